package generator

import (
	"fmt"
	"text/template"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// postgresEngine writes PostgreSQL declarative partitions (templates/postgres).
type postgresEngine struct{ dialect.Dialect }

func (postgresEngine) funcs() template.FuncMap { return nil }

// definition reads nothing yet: the apply-time check in each file guards
// the parent's strategy, key and key type.
func (postgresEngine) definition(*spec.Spec, *folder.Folder, *spec.Table) (any, error) {
	return nil, nil
}

func (postgresEngine) convertNote() string { return "" }

func (e postgresEngine) how(sp *spec.Spec, s *step) []string {
	switch s.kind() {
	case kindCreate:
		how := []string{
			"Lock-safe: each partition is created LIKE the parent with a CHECK matching its bounds, then ATTACHed",
			fmt.Sprintf("(SHARE UPDATE EXCLUSIVE on the parent, no validation scan); lock_timeout %s.", sp.LockTimeout),
		}
		if s.hasDefault {
			if s.table.OnDefaultRows == spec.DefaultRowsMove {
				how = append(how, "Rows of a new range found in the default partition are moved into it in this transaction.")
			} else {
				how = append(how, "The migration fails, naming the range, if the default partition holds rows of a new range.")
			}
		}
		return append(how, "Down: drops these partitions only while they are empty; it never drops rows.")
	case kindPurge:
		return purgeHow
	}
	var how []string
	if e.ConcurrentDetach(s.hasDefault) {
		how = append(how, "DETACH ... CONCURRENTLY in a NO TRANSACTION file; every statement is safe to rerun after an",
			"interruption (a pending detach is FINALIZEd). The audit row and the "+string(s.op)+" commit together.")
	} else {
		how = append(how, "Plain DETACH in one transaction (a default partition rules out CONCURRENTLY), with the audit row.")
	}
	return append(how, retireDown(s))
}

var purgeHow = []string{"Drops the retired table and writes one partgen_archive_log row (action purge) in one transaction.",
	"Down: fails; the rows are gone."}

func retireDown(s *step) string {
	if s.op == folder.OpDrop {
		return "Down: fails; the rows are gone."
	}
	return "Down: re-attaches the table with all its rows and removes the audit row."
}
