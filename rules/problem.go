package rules

// Health is the verdict on a table or a whole report. The order matters:
// a report is as unhealthy as its worst finding.
type Health string

// Healths, from best to worst.
const (
	OK       Health = "ok"
	Warning  Health = "warning"
	Critical Health = "critical"
)

// Rank orders healths: ok 0, warning 1, critical 2. It is also the exit
// code of `partgen status` and the value of the partgen_health gauge.
func (h Health) Rank() int {
	switch h {
	case Warning:
		return 1
	case Critical:
		return 2
	}
	return 0
}

// Worse returns the worse of two healths.
func Worse(a, b Health) Health {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Severity of one finding. Info findings are facts worth showing (a
// partition partgen did not create, a migration not applied yet) that do not
// change the health.
type Severity string

// Severities.
const (
	SevInfo     Severity = "info"
	SevWarning  Severity = "warning"
	SevCritical Severity = "critical"
)

// Health is the health a finding of this severity gives.
func (s Severity) Health() Health {
	switch s {
	case SevWarning:
		return Warning
	case SevCritical:
		return Critical
	}
	return OK
}

// Code names a kind of finding. Codes are stable: alert rules and scripts
// match them.
type Code string

// Problem codes.
const (
	CodeTableMissing     Code = "table_missing"     // critical: the spec's table is not in the database
	CodeNotPartitioned   Code = "not_partitioned"   // critical: the table exists but has no partitions
	CodeKeyMismatch      Code = "key_mismatch"      // critical: the table is not PARTITION BY RANGE on the spec's key and key type
	CodeRunwayExhausted  Code = "runway_exhausted"  // critical: no partition covers now
	CodeRunwayCritical   Code = "runway_critical"   // critical: less than one whole period ahead
	CodeRunwayShort      Code = "runway_short"      // warning: fewer whole periods ahead than premake (check: than --runway)
	CodeGap              Code = "gap"               // critical: attached partitions leave a hole
	CodeOverlap          Code = "overlap"           // critical: attached partitions overlap (SQLite emulation)
	CodeRowsInDefault    Code = "rows_in_default"   // warning: the default partition holds rows
	CodeRetentionOverdue Code = "retention_overdue" // warning: a partition past retention is still attached
	CodeDetachPending    Code = "detach_pending"    // warning: an interrupted DETACH ... CONCURRENTLY
	CodeUnreadableBound  Code = "unreadable_bound"  // warning: bounds partgen cannot read (MINVALUE, hand-made)
	CodeNotPartgen       Code = "not_partgen"       // info: a partition no partgen migration created
	CodePending          Code = "pending_migration" // info: a folder migration the database has not applied
	CodeOutOfOrder       Code = "out_of_order"      // warning: goose would refuse a pending migration
	CodeEdited           Code = "edited"            // check: a partgen file no longer matches its checksum
	CodeViewAhead        Code = "view_ahead"        // check: a SQLite partgen file's view names a partition no earlier file creates
	CodeFolderUnread     Code = "folder_unread"     // warning: status could not read the spec's goose folder
)

// Problem is one finding. Table, Partition and File are empty when they do
// not apply; File is the migration (or spec) a finding is about, relative to
// the working directory where possible.
type Problem struct {
	Severity  Severity `json:"severity"`
	Code      Code     `json:"code"`
	Table     string   `json:"table,omitempty"`
	Partition string   `json:"partition,omitempty"`
	File      string   `json:"file,omitempty"`
	Message   string   `json:"message"`
}

// HealthOf is the worst health among problems (OK for none).
func HealthOf(problems []Problem) Health {
	h := OK
	for _, p := range problems {
		h = Worse(h, p.Severity.Health())
	}
	return h
}
