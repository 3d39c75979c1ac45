// Package templates holds the text/template files partgen renders
// migrations from, one folder per dialect. They are embedded so the partgen
// binary needs nothing beside it.
package templates

import "embed"

// FS holds common/*.tmpl, postgres/*.tmpl and sqlite/*.tmpl.
//
//go:embed common/*.tmpl postgres/*.tmpl sqlite/*.tmpl
var FS embed.FS
