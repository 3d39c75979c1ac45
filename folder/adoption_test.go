package folder_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/folder"
)

func writeFolder(t *testing.T, files map[string]string) *folder.Folder {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return mig
}

func generated(markers ...string) string {
	return folder.GeneratedLine + "\n" + strings.Join(markers, "\n") + "\n-- +goose Up\nSELECT 1;\n"
}

// An adopted table's legacy partition: the swap's marker has no from=, the
// partition starts before every bound, and a later retirement keeps its
// bounds. The adoption's first two files name no partition.
func TestLegacyPartition(t *testing.T) {
	cutover := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	legacy := folder.Marker{Op: folder.OpLegacy, Table: "orders", Name: "orders_legacy", To: cutover}
	if got, want := legacy.String(), "-- partgen:partition op=legacy table=orders name=orders_legacy to=2027-01-01T00:00:00Z"; got != want {
		t.Fatalf("marker %q, want %q", got, want)
	}
	mig := writeFolder(t, map[string]string{
		"20260101000000_base.sql":                          "-- +goose Up\nCREATE TABLE orders (ts timestamptz);\n",
		"20261126000000_partgen_adopt_check_orders.sql":    generated("-- partgen:partition op=adopt_check table=orders name=orders_legacy to=2027-01-01T00:00:00Z"),
		"20261126000001_partgen_adopt_validate_orders.sql": generated("-- partgen:partition op=adopt_validate table=orders name=orders_legacy to=2027-01-01T00:00:00Z"),
		"20261126000002_partgen_adopt_swap_orders.sql": generated(legacy.String(),
			"-- partgen:partition op=create table=orders name=orders_p2027_01 from=2027-01-01T00:00:00Z to=2027-02-01T00:00:00Z"),
	})
	ps := mig.Partitions("orders")
	if len(ps) != 2 || !ps[0].Legacy || ps[0].Name != "orders_legacy" || !ps[0].Period.Lower.IsZero() || !ps[0].Period.Upper.Equal(cutover) ||
		ps[0].State != folder.StateAttached || ps[0].CreatedBy != "20261126000002_partgen_adopt_swap_orders.sql" || ps[1].Name != "orders_p2027_01" {
		t.Fatalf("partitions %+v", ps)
	}
	if !ps[0].Period.Contains(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) || ps[0].Period.Contains(cutover) {
		t.Errorf("the legacy partition covers %v", ps[0].Period)
	}
	ad := mig.Adoption("orders")
	if ad == nil || ad.Legacy != "orders_legacy" || !ad.Cutover.Equal(cutover) || ad.Check == "" || ad.Validate == "" || ad.Swap != "20261126000002_partgen_adopt_swap_orders.sql" {
		t.Errorf("adoption %+v", ad)
	}
	if mig.Adoption("other") != nil {
		t.Errorf("an adoption of a table no file adopts")
	}

	mig = writeFolder(t, map[string]string{
		"20261126000002_partgen_adopt_swap_orders.sql":     generated(legacy.String()),
		"20280201000000_partgen_archive_orders_legacy.sql": generated("-- partgen:partition op=archive table=orders name=orders_legacy to=2027-01-01T00:00:00Z"),
	})
	ps = mig.Partitions("orders")
	if len(ps) != 1 || ps[0].State != folder.StateArchived || !ps[0].Legacy || !ps[0].Period.Upper.Equal(cutover) {
		t.Errorf("after its archive the legacy partition is %+v", ps)
	}

	// Only the first two files: an adoption in progress, no partition yet.
	mig = writeFolder(t, map[string]string{
		"20261126000000_partgen_adopt_check_orders.sql": generated("-- partgen:partition op=adopt_check table=orders name=orders_legacy to=2027-01-01T00:00:00Z"),
	})
	if ps := mig.Partitions("orders"); len(ps) != 0 {
		t.Errorf("partitions before the swap: %+v", ps)
	}
	if ad := mig.Adoption("orders"); ad == nil || ad.Swap != "" || ad.Validate != "" {
		t.Errorf("adoption %+v", ad)
	}
}

func TestAdoptionMarkersThatDoNotRead(t *testing.T) {
	for _, line := range []string{
		"-- partgen:partition op=legacy table=orders name=orders_legacy from=2026-01-01T00:00:00Z to=2027-01-01T00:00:00Z",
		"-- partgen:partition op=legacy table=orders name=orders_legacy",
		"-- partgen:partition op=adopt_check table=orders name=orders_legacy",
		"-- partgen:partition op=create table=orders name=orders_p2027_01 to=2027-02-01T00:00:00Z",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "20261126000000_partgen_x.sql"), []byte(generated(line)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := folder.Read(dir); err == nil || !strings.Contains(err.Error(), "unreadable partgen marker") {
			t.Errorf("%s: err = %v", line, err)
		}
	}
}
