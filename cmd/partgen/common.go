package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/spec"
)

// specFlags are the flags every spec-reading command shares.
type specFlags struct {
	config string
	asOf   string
}

func (f *specFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "partgen.yaml", "the spec file")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "plan for this date, YYYY-MM-DD in the spec's time zone (default: today there)")
}

// load reads the spec and resolves the as-of date (default: today in the
// spec's zone).
func (f *specFlags) load() (*spec.Spec, calendar.Date, error) {
	sp, err := spec.Load(f.config)
	if err != nil {
		return nil, calendar.Date{}, err
	}
	if f.asOf == "" {
		return sp, calendar.DateOf(time.Now(), sp.Location), nil
	}
	d, err := calendar.ParseDate(f.asOf)
	if err != nil {
		return nil, d, usageError{fmt.Errorf("--as-of: %v", err)}
	}
	return sp, d, nil
}
