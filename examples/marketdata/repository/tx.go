package repository

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// InTx runs fn in a database/sql transaction and always ends it: commit
// when fn returns nil, roll back when it returns an error or panics (the
// panic is re-raised after the rollback).
func InTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify("InTx", "", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = classify("InTx", "", fmt.Errorf("commit: %w", cerr))
		}
	}()
	return fn(tx)
}

// pgxBeginner is what InPgxTx needs: a pool or a connection.
type pgxBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InPgxTx is InTx for pgx pools and connections.
func InPgxTx(ctx context.Context, db pgxBeginner, fn func(pgx.Tx) error) (err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return classify("InTx", "", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return
		}
		if cerr := tx.Commit(ctx); cerr != nil {
			err = classify("InTx", "", fmt.Errorf("commit: %w", cerr))
		}
	}()
	return fn(tx)
}
