package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/sqliteschema"
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

// load reads the spec and resolves the as-of date.
func (f *specFlags) load() (*generator.Spec, generator.Options, error) {
	spec, err := generator.LoadSpec(f.config)
	if err != nil {
		return nil, generator.Options{}, err
	}
	// One replay of the folder serves every table of the run; the process
	// ends with the command, and the in-memory database with it.
	opts := generator.Options{SQLiteSchema: sqliteschema.NewReader().Read}
	if f.asOf == "" {
		now := time.Now().In(spec.Location)
		opts.AsOf = generator.Date{Year: now.Year(), Month: now.Month(), Day: now.Day()}
	} else {
		d, err := generator.ParseDate(f.asOf)
		if err != nil {
			return nil, opts, usageError{fmt.Errorf("--as-of: %v", err)}
		}
		opts.AsOf = d
	}
	return spec, opts, nil
}
