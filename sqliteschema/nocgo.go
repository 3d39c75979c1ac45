//go:build !cgo

package sqliteschema

func init() { unavailable = ErrNoCgo }
