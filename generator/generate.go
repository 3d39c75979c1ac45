package generator

import (
	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// Generate reads the spec's goose folder and plans the files it lacks for
// the as-of date (a civil date in the spec's zone). Callers that write
// should hold [folder.Lock] around Generate and [Plan.Write]. Mistakes the
// spec or folder show are [*spec.Error] values.
func Generate(sp *spec.Spec, asOf calendar.Date) (*Plan, error) {
	mig, err := folder.Read(sp.Migrations)
	if err != nil {
		return nil, sp.FolderError(err)
	}
	return BuildPlan(sp, mig, asOf)
}
