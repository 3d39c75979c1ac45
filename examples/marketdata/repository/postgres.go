package repository

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/partgen/partgen/examples/marketdata/db/pgdb"
)

// Postgres is the repository on PostgreSQL's declarative partitions: rows go
// to the parent, which routes them; reads name the parent with a range on
// the key, which PostgreSQL prunes to the partitions it overlaps.
type Postgres struct {
	db pgdb.DBTX
	q  *pgdb.Queries
}

// NewPostgres works on a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
func NewPostgres(db pgdb.DBTX) *Postgres { return &Postgres{db: db, q: pgdb.New(db)} }

func ts(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: true} }

func (r *Postgres) InsertTick(ctx context.Context, t Tick) error {
	const op = "InsertTick"
	if err := validTick(op, t); err != nil {
		return err
	}
	err := r.q.InsertTick(ctx, pgdb.InsertTickParams{InstrumentID: t.InstrumentID, Ts: ts(t.TS), Price: t.Price, Volume: t.Volume})
	if err != nil {
		return r.noPartition(ctx, op, classify(op, "market_data", err), []Tick{t})
	}
	return nil
}

// InsertTicks copies the batch into the parent with COPY: one statement,
// all or nothing.
func (r *Postgres) InsertTicks(ctx context.Context, ticks []Tick) (int64, error) {
	const op = "InsertTicks"
	rows := make([]pgdb.CopyTicksParams, len(ticks))
	for i, t := range ticks {
		if err := validTick(op, t); err != nil {
			return 0, err
		}
		rows[i] = pgdb.CopyTicksParams{InstrumentID: t.InstrumentID, Ts: ts(t.TS), Price: t.Price, Volume: t.Volume}
	}
	n, err := r.q.CopyTicks(ctx, rows)
	if err != nil {
		return 0, r.noPartition(ctx, op, classify(op, "market_data", err), ticks)
	}
	return n, nil
}

// noPartition names the first key that has no partition when PostgreSQL
// refused rows for that reason (its message names neither row nor key).
func (r *Postgres) noPartition(ctx context.Context, op string, err error, ticks []Tick) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrNoPartition {
		return err
	}
	bounds, berr := r.q.RangeBounds(ctx, "market_data")
	if berr != nil {
		return err
	}
	for _, t := range ticks {
		covered := false
		for _, b := range bounds {
			if b.LowerBound.Valid && b.UpperBound.Valid && !t.TS.Before(b.LowerBound.Time) && t.TS.Before(b.UpperBound.Time) {
				covered = true
				break
			}
		}
		if !covered {
			e.Key = t.TS
			return e
		}
	}
	return err
}

func (r *Postgres) TicksInRange(ctx context.Context, instrument int64, from, to time.Time) ([]Tick, error) {
	const op = "TicksInRange"
	if instrument <= 0 {
		return nil, invalid(op, "instrument id %d is not positive", instrument)
	}
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	rows, err := r.q.TicksInRange(ctx, pgdb.TicksInRangeParams{InstrumentID: instrument, FromTs: ts(from), ToTs: ts(to)})
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	return pgTicks(rows), nil
}

func pgTicks(rows []pgdb.MarketData) []Tick {
	out := make([]Tick, len(rows))
	for i, m := range rows {
		out[i] = Tick{InstrumentID: m.InstrumentID, TS: m.Ts.Time, Price: m.Price, Volume: m.Volume}
	}
	return out
}

func (r *Postgres) LatestTicks(ctx context.Context, since time.Time) ([]Tick, error) {
	const op = "LatestTicks"
	if since.IsZero() {
		return nil, invalid(op, "since is not set")
	}
	rows, err := r.q.LatestTicks(ctx, ts(since))
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	return pgTicks(rows), nil
}

func (r *Postgres) InstrumentStats(ctx context.Context, from, to time.Time) ([]Stats, error) {
	const op = "InstrumentStats"
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	rows, err := r.q.InstrumentStats(ctx, pgdb.InstrumentStatsParams{FromTs: ts(from), ToTs: ts(to)})
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	out := make([]Stats, len(rows))
	for i, s := range rows {
		out[i] = Stats{InstrumentID: s.InstrumentID, Ticks: s.Ticks, Low: s.Low, High: s.High, Volume: s.Volume}
	}
	return out, nil
}

func (r *Postgres) InsertAlert(ctx context.Context, a Alert) (int64, error) {
	const op = "InsertAlert"
	if err := validAlert(op, a); err != nil {
		return 0, err
	}
	id, err := r.q.InsertAlert(ctx, pgdb.InsertAlertParams{InstrumentID: a.InstrumentID, RaisedAt: ts(a.RaisedAt), Severity: a.Severity, Message: a.Message})
	if err != nil {
		err = classify(op, "alert_log", err)
		var e *Error
		if errors.As(err, &e) && e.Kind == ErrNoPartition {
			e.Key = a.RaisedAt
		}
		return 0, err
	}
	return id, nil
}

func (r *Postgres) AlertsInRange(ctx context.Context, from, to time.Time, severities ...string) ([]Alert, error) {
	const op = "AlertsInRange"
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	if err := validSeverities(op, severities...); err != nil {
		return nil, err
	}
	rows, err := r.q.AlertsInRange(ctx, pgdb.AlertsInRangeParams{FromTs: ts(from), ToTs: ts(to), Severities: orAll(severities)})
	if err != nil {
		return nil, classify(op, "alert_log", err)
	}
	out := make([]Alert, len(rows))
	for i, a := range rows {
		out[i] = Alert{ID: a.ID, InstrumentID: a.InstrumentID, RaisedAt: a.RaisedAt.Time, Severity: a.Severity, Message: a.Message}
	}
	return out, nil
}
