// Package e2e holds partgen's process-level reliability tests: the built
// binary run as a user runs it, killed, raced against itself, and its
// migrations applied by competing goose processes. It has no code of its own.
package e2e
