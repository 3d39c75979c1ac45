package check

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteText writes one line per problem, "file: message", or one summary
// line when there is none: what a CI log shows.
func (r *Report) WriteText(w io.Writer) error {
	if len(r.Problems) > 0 {
		for _, p := range r.Problems {
			if _, err := fmt.Fprintf(w, "%s: %s\n", p.File, p.Message); err != nil {
				return err
			}
		}
		return nil
	}
	order := "out-of-order not checked (no --base)"
	if r.Base != "" {
		order = "no version below " + r.Base + "'s highest"
	}
	_, err := fmt.Fprintf(w, "ok: %s as of %s: %d table(s) with their runway, %d partgen file(s) unedited, no gap or overlap, %s\n",
		r.Folder, r.AsOf, r.Tables, r.PartgenFiles, order)
	return err
}

// WriteJSON writes the report as indented JSON (schema version 1).
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
