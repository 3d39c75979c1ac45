package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON writes the report as indented JSON (schema version 1, see
// README, "partgen status"). Unknown figures are null, never 0 or -1, so a
// dashboard cannot mistake "not measured" for "empty".
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes the report for people: a header, one block per table
// with its runway and an aligned list of partitions, the problems, the
// archive log and the migrations.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "partgen status: %s\n", strings.ToUpper(string(r.Health)))
	hw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(hw, "  database\t%s %s\n", r.Engine, r.Database)
	fmt.Fprintf(hw, "  now\t%s\n", r.Now.UTC().Format("2006-01-02 15:04:05 -07:00"))
	switch {
	case r.Engine == "sqlite":
		fmt.Fprintf(hw, "  rows\texact count(*)\n")
	case r.ExactCounts:
		fmt.Fprintf(hw, "  rows\texact count(*) (--exact)\n")
	case r.BytesSource == "citus_total_relation_size":
		fmt.Fprintf(hw, "  rows\t~ estimates from pg_class.reltuples, ? never analysed; Citus's distributed tables and the default partition are counted exactly\n")
	default:
		fmt.Fprintf(hw, "  rows\t~ estimates from pg_class.reltuples, ? never analysed; the default partition is counted exactly (--exact counts all)\n")
	}
	switch r.BytesSource {
	case "unavailable":
		db := "?"
		if r.DatabaseBytes != nil {
			db = humanBytes(*r.DatabaseBytes)
		}
		fmt.Fprintf(hw, "  bytes\tunavailable: this build has no dbstat (go build -tags sqlite_dbstat); whole file %s\n", db)
	case "citus_total_relation_size":
		fmt.Fprintf(hw, "  bytes\tcitus_total_relation_size for Citus's distributed tables (their shards on the workers), indexes included\n")
	case "relpages":
		fmt.Fprintf(hw, "  bytes\t~ pages as of the last VACUUM/ANALYZE, indexes and TOAST included (--exact: pg_total_relation_size)\n")
	default:
		fmt.Fprintf(hw, "  bytes\t%s, indexes included\n", r.BytesSource)
	}
	hw.Flush()

	for _, t := range r.Tables {
		loc, err := time.LoadLocation(t.Timezone)
		if err != nil {
			loc = time.UTC
		}
		fmt.Fprintf(ew, "\n%s  (%s, premake %d, timezone %s): %s\n", t.Name, t.Interval, t.Premake, t.Timezone, t.Health)
		switch {
		case !t.Exists:
			fmt.Fprintf(ew, "  missing from the database\n")
			continue
		case !t.Partitioned && len(t.Partitions) == 0:
			fmt.Fprintf(ew, "  not partitioned\n")
			continue
		case !t.Runway.Covered:
			fmt.Fprintf(ew, "  runway: none, no partition covers now\n")
		default:
			fmt.Fprintf(ew, "  runway: %s, to %s, %d whole %s(s) after the current one\n",
				humanDuration(time.Duration(t.Runway.Seconds)*time.Second), t.Runway.Until.In(loc).Format("2006-01-02 15:04 -07:00"), t.Runway.Periods, t.Interval)
		}
		if t.DefaultRows != nil {
			fmt.Fprintf(ew, "  rows in the default partition: %d\n", *t.DefaultRows)
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  PARTITION\tLOWER\tUPPER\tSTATE\tROWS\tBYTES\tPARTGEN\n")
		for _, p := range t.Partitions {
			name := p.Name
			if p.Schema != "" && p.State == StateArchived {
				name = p.Schema + "." + p.Name
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, lowerBound(p, loc), bound(p.Upper, loc), p.State, rowsText(p), bytesText(p.Bytes), partgenText(p.CreatedByPartgen))
		}
		tw.Flush()
	}

	if len(r.Problems) > 0 {
		fmt.Fprintf(ew, "\nproblems:\n")
		pw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, p := range r.Problems {
			table := p.Table
			if table == "" {
				table = "-"
			}
			fmt.Fprintf(pw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(string(p.Severity)), table, p.Code, p.Message)
		}
		pw.Flush()
	}

	if len(r.ArchiveLog) == 0 {
		fmt.Fprintf(ew, "\narchive log: empty\n")
	} else {
		fmt.Fprintf(ew, "\narchive log (%d):\n", len(r.ArchiveLog))
		aw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(aw, "  ID\tTABLE\tPARTITION\tLOWER\tUPPER\tACTION\tARCHIVED AS\tROWS\tBYTES\tVERSION\tAT\n")
		for _, e := range r.ArchiveLog {
			as := e.ArchivedAs
			if as == "" {
				as = "-"
			}
			rows := strconv.FormatInt(e.RowCount, 10)
			if e.RowsEstimated {
				rows = "~" + rows
			}
			fmt.Fprintf(aw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", e.ID, e.ParentTable, e.PartitionName,
				e.Lower.Format("2006-01-02 15:04 -07:00"), e.Upper.Format("2006-01-02 15:04 -07:00"), e.Action, as, rows,
				bytesText(e.TotalBytes), e.MigrationVersion, e.ArchivedAt.Format("2006-01-02 15:04:05 -07:00"))
		}
		aw.Flush()
	}

	m := r.Migrations
	switch {
	case !m.GooseTable:
		fmt.Fprintf(ew, "\nmigrations: no goose_db_version table: goose has never run here\n")
	case !m.Folder:
		fmt.Fprintf(ew, "\nmigrations: %d applied, highest %d (goose folder not read)\n", m.Applied, m.MaxApplied)
	default:
		fmt.Fprintf(ew, "\nmigrations: %d applied, highest %d; %d pending, %d out of order\n", m.Applied, m.MaxApplied, len(m.Pending), len(m.OutOfOrder))
	}
	return ew.err
}

func bound(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04 -07:00")
}

func rowsText(p Partition) string {
	switch {
	case p.Rows == nil:
		return "?"
	case p.RowsExact:
		return strconv.FormatInt(*p.Rows, 10)
	}
	return "~" + strconv.FormatInt(*p.Rows, 10)
}

func bytesText(b *int64) string {
	if b == nil {
		return "-"
	}
	return humanBytes(*b)
}

func partgenText(b *bool) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return "yes"
	}
	return "no"
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

func humanDuration(d time.Duration) string {
	days := int64(d / (24 * time.Hour))
	hours := int64(d % (24 * time.Hour) / time.Hour)
	mins := int64(d % time.Hour / time.Minute)
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return fmt.Sprintf("%dh %dm", hours, mins)
}

// errWriter keeps the first write error so renderers can write freely and
// report it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// lowerBound is a partition's lower bound for people: MINVALUE for the
// legacy partition of an adopted table, which has none.
func lowerBound(p Partition, loc *time.Location) string {
	if p.Lower == nil && p.Upper != nil && (p.State == StateLegacy || p.State == StateArchived || p.State == StateDetached) {
		return "MINVALUE"
	}
	return bound(p.Lower, loc)
}
