package main

import (
	"fmt"
	"os"
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

// envAsOf is the fallback for --as-of on every command: a CI job or a test
// pins the date once for all of its partgen calls. Empty means unset.
const envAsOf = "PARTGEN_AS_OF"

func (f *specFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "partgen.yaml", "the spec file")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "plan for this date, YYYY-MM-DD in the spec's time zone (default: $"+envAsOf+", else today there)")
}

// asOfFlag is --as-of, else $PARTGEN_AS_OF, and the name to blame for a bad
// value.
func asOfFlag(flag string) (value, name string) {
	if flag != "" {
		return flag, "--as-of"
	}
	return os.Getenv(envAsOf), "$" + envAsOf
}

// load reads the spec and resolves the as-of date (default:
// $PARTGEN_AS_OF, else today in the spec's zone).
func (f *specFlags) load() (*spec.Spec, calendar.Date, error) {
	value, name := asOfFlag(f.asOf)
	var d calendar.Date
	if value != "" {
		var err error
		if d, err = calendar.ParseDate(value); err != nil {
			return nil, d, usageError{fmt.Errorf("%s: %v", name, err)}
		}
	}
	sp, err := spec.Load(f.config)
	if err != nil {
		return nil, calendar.Date{}, err
	}
	if value == "" {
		return sp, calendar.DateOf(time.Now(), sp.Location), nil
	}
	return sp, d, nil
}
