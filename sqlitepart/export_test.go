package sqlitepart

// RewriteCase is one statement of TestRewrite.
type RewriteCase struct{ Name, Query string }

// RewriteCases are the statements of TestRewrite, for the test that runs
// them on a real database.
func RewriteCases() []RewriteCase {
	var out []RewriteCase
	for _, c := range rewriteCases {
		out = append(out, RewriteCase{c.name, c.query})
	}
	return out
}
