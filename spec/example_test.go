package spec_test

import (
	"fmt"

	"github.com/partgen/partgen/spec"
)

// Every mistake in a spec names the file, the line and the fix.
func ExampleParse_error() {
	_, err := spec.Parse("partgen.yaml", []byte(`version: 1
dialect: postgres
migrations: .
tables:
  - {name: ticks, key: ts, interval: fortnight}
`))
	fmt.Println(err)
	// Output:
	// partgen.yaml:5:38: unknown interval "fortnight"
	//   fix: write one of day, week, month, quarter, year
}
