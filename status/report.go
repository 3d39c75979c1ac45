// Package status reads the partitions of a spec's tables from a live
// database and judges their health: the runway left before inserts fail,
// gaps and overlaps, rows that slipped into the default partition, retention
// that is overdue. It is the read side of partgen: the generator writes the
// lifecycle as migrations, status checks that the database really has it.
//
// One Report type serves both engines. Read collects the facts (catalog
// queries through the sqlc code in internal/catalog) and one set of rules, shared
// by both engines, turns them into findings; the renderers print the report
// as an aligned table, JSON (schema version 1, documented in README,
// "partgen status") or the Prometheus text exposition format.
//
// The package never reads the wall clock: the caller passes Options.Now, so
// a report is reproducible and a test or a what-if run can ask about any
// instant.
package status

import (
	"time"

	"github.com/partgen/partgen/rules"
)

// SchemaVersion is the version of the JSON form. It changes only when a
// field is removed or changes meaning; new fields may appear at any time.
const SchemaVersion = 1

// State is where a partition stands at the report's instant.
type State string

// Partition states.
const (
	StatePast     State = "past"     // attached range partition entirely before now
	StateCurrent  State = "current"  // attached range partition that contains now
	StateFuture   State = "future"   // attached range partition entirely after now
	StateDefault  State = "default"  // the default partition (PostgreSQL DEFAULT, SQLite catch-all)
	StateUnknown  State = "unknown"  // attached, but its bounds could not be read
	StateDetached State = "detached" // retired: detached, still in the table's schema
	StateArchived State = "archived" // retired: moved to the archive schema (SQLite: renamed)
	// StateLegacy is an adopted table's legacy partition, FROM (MINVALUE)
	// TO (the cutover), while it is attached: lower is null.
	StateLegacy State = "legacy"
)

// States lists every state, in the order reports show them.
var States = []State{StatePast, StateCurrent, StateFuture, StateDefault, StateUnknown, StateDetached, StateArchived, StateLegacy}

// Problem is one finding; see [rules.Problem] for the codes.
type Problem = rules.Problem

// Report is the status of every table of a spec in one database.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Engine        string       `json:"engine"`   // postgres | sqlite
	Database      string       `json:"database"` // the URL without password, or the SQLite path
	Now           time.Time    `json:"now"`      // the instant the report is for
	Health        rules.Health `json:"health"`
	ExactCounts   bool         `json:"exact_counts"` // every row count is a count(*), not an estimate
	// BytesSource says where partition sizes come from:
	// "pg_total_relation_size" (PostgreSQL with --exact), "relpages"
	// (PostgreSQL: pages of the table, its indexes and TOAST as of the last
	// VACUUM or ANALYZE, pg_total_relation_size for a partition never
	// analysed), "citus_total_relation_size" (a Citus coordinator: the
	// shards of distributed tables, whose rows are counted; other relations
	// as without Citus), "dbstat" (SQLite built with the dbstat virtual table) or
	// "unavailable" (SQLite without it: bytes are null).
	BytesSource string `json:"bytes_source"`
	// DatabaseBytes is SQLite's page_count * page_size, the whole file;
	// null on PostgreSQL.
	DatabaseBytes *int64         `json:"database_bytes"`
	Tables        []Table        `json:"tables"`
	Problems      []Problem      `json:"problems"`
	ArchiveLog    []ArchiveEntry `json:"archive_log"`
	Migrations    Migrations     `json:"migrations"`
}

// Table is the status of one spec table.
type Table struct {
	Name        string       `json:"name"` // as in partgen markers: name or schema.name
	Exists      bool         `json:"exists"`
	Partitioned bool         `json:"partitioned"`
	Interval    string       `json:"interval"`
	Premake     int          `json:"premake"`
	Timezone    string       `json:"timezone"`
	Health      rules.Health `json:"health"`
	Runway      Runway       `json:"runway"`
	Partitions  []Partition  `json:"partitions"`
	// DefaultRows is the exact row count of the default partition; null
	// when the table has none.
	DefaultRows      *int64    `json:"default_rows"`
	Gaps             []Range   `json:"gaps"`
	Overlaps         []Overlap `json:"overlaps"`
	RetentionOverdue []string  `json:"retention_overdue"`      // attached partitions past retention
	NotPartgen       []string  `json:"not_created_by_partgen"` // attached partitions no partgen file created
}

// Runway is how long inserts keep finding a partition.
type Runway struct {
	// Covered is false when no attached range partition contains now.
	Covered bool `json:"covered"`
	// Until is the end of the unbroken run of range partitions that
	// contains now: the first instant with no partition. Null when not
	// covered.
	Until *time.Time `json:"until"`
	// Seconds from now to Until (0 when not covered).
	Seconds int64 `json:"seconds"`
	// Periods is the number of whole periods after the current one that
	// are covered: what premake asks for, and what `partgen check` counts.
	Periods int `json:"periods"`
}

// Partition is one partition, attached or retired.
type Partition struct {
	Name   string     `json:"name"`
	Schema string     `json:"schema,omitempty"` // PostgreSQL
	Lower  *time.Time `json:"lower"`            // null for the default partition, the legacy partition (MINVALUE) or unreadable bounds
	Upper  *time.Time `json:"upper"`
	State  State      `json:"state"`
	// Rows is reltuples on PostgreSQL unless RowsExact; null when
	// PostgreSQL has never analysed the partition (reltuples = -1).
	Rows      *int64 `json:"rows"`
	RowsExact bool   `json:"rows_exact"`
	// Bytes includes indexes (and TOAST on PostgreSQL); null when unknown.
	Bytes *int64 `json:"bytes"`
	// CreatedByPartgen is whether a partgen marker in the goose folder
	// created this partition; null when the report had no folder.
	CreatedByPartgen *bool  `json:"created_by_partgen"`
	CreatedBy        string `json:"created_by,omitempty"` // the partgen file
	// AttachedName is the name the table had while it was a partition, when
	// retiring it renamed it (SQLite's archive prefix); empty otherwise.
	AttachedName string `json:"attached_name,omitempty"`
	// Bound is the bound as the database states it, when partgen could not
	// read it.
	Bound string `json:"bound,omitempty"`
}

// Range is a half-open interval of time.
type Range struct {
	Lower time.Time `json:"lower"`
	Upper time.Time `json:"upper"`
}

// Overlap is a range covered by two attached partitions.
type Overlap struct {
	A     string    `json:"a"`
	B     string    `json:"b"`
	Lower time.Time `json:"lower"`
	Upper time.Time `json:"upper"`
}

// ArchiveEntry is one row of partgen_archive_log: a partition partgen
// detached, archived, dropped or purged.
type ArchiveEntry struct {
	ID            int64     `json:"id"`
	ParentTable   string    `json:"parent_table"`
	PartitionName string    `json:"partition_name"`
	Lower         time.Time `json:"lower"`
	Upper         time.Time `json:"upper"`
	Action        string    `json:"action"`
	ArchivedAs    string    `json:"archived_as"`
	RowCount      int64     `json:"row_count"`
	// RowsEstimated: RowCount is PostgreSQL's estimate (pg_class.reltuples
	// of the analysed partition), not a count(*); see the spec's
	// retention exact_row_count.
	RowsEstimated    bool      `json:"rows_estimated"`
	TotalBytes       *int64    `json:"total_bytes"`
	MigrationVersion int64     `json:"migration_version"`
	ArchivedAt       time.Time `json:"archived_at"`
}

// Migrations compares the goose folder with goose_db_version.
type Migrations struct {
	GooseTable bool  `json:"goose_table"` // goose_db_version exists
	Applied    int   `json:"applied"`     // versions applied
	MaxApplied int64 `json:"max_applied"`
	// Folder is whether the report read the goose folder; Pending and
	// OutOfOrder are only known when it did.
	Folder bool `json:"folder"`
	// FolderError says why the folder could not be read, when it could not.
	FolderError string   `json:"folder_error,omitempty"`
	Pending     []string `json:"pending"`      // folder files the database has not applied
	OutOfOrder  []string `json:"out_of_order"` // pending files below MaxApplied: goose refuses them
}
