//go:build !cgo

package pgschema

// Replay in a binary built without cgo: PostgreSQL's parser (libpg_query)
// is C, so it is not in this binary and no statement can be followed. The
// catalog holds no table and one opaque note saying why; generate then
// proceeds as for a folder it cannot read, and each file's apply-time check
// of the parent stays the guard.
func Replay(srcs []Source) *Catalog {
	c := &Catalog{}
	if len(srcs) > 0 {
		c.Opaque = append(c.Opaque, Note{Pos: Pos{File: srcs[0].Name, Line: 1, Column: 1},
			Reason: "partgen was built with CGO_ENABLED=0, without PostgreSQL's parser: the folder's tables are not read (rebuild with cgo to have generate check them)"})
	}
	return c
}
