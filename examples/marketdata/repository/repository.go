package repository

import (
	"context"
	"math"
	"time"
)

// Tick is one market_data row.
type Tick struct {
	InstrumentID int64
	TS           time.Time
	Price        float64
	Volume       int64
}

// Alert is one alert_log row.
type Alert struct {
	ID           int64 // assigned by InsertAlert
	InstrumentID int64
	RaisedAt     time.Time
	Severity     string // info | warning | critical
	Message      string
}

// Stats aggregates an instrument's ticks over a range.
type Stats struct {
	InstrumentID int64
	Ticks        int64
	Low, High    float64
	Volume       int64
}

// Severities an alert may have.
var Severities = []string{"info", "warning", "critical"}

// Repository is the example domain's data access, the same on both engines.
type Repository interface {
	// InsertTick writes one tick.
	InsertTick(ctx context.Context, t Tick) error
	// InsertTicks writes a batch in one transaction: all or nothing.
	InsertTicks(ctx context.Context, ticks []Tick) (int64, error)
	// TicksInRange returns an instrument's ticks in [from, to), oldest first.
	TicksInRange(ctx context.Context, instrument int64, from, to time.Time) ([]Tick, error)
	// LatestTicks returns the newest tick of every instrument at or after since.
	LatestTicks(ctx context.Context, since time.Time) ([]Tick, error)
	// InstrumentStats aggregates every instrument over [from, to).
	InstrumentStats(ctx context.Context, from, to time.Time) ([]Stats, error)
	// InsertAlert writes an alert and returns its id.
	InsertAlert(ctx context.Context, a Alert) (int64, error)
	// AlertsInRange returns the alerts raised in [from, to) with one of the
	// severities (all of them when none is given), oldest first.
	AlertsInRange(ctx context.Context, from, to time.Time, severities ...string) ([]Alert, error)
}

func validTick(op string, t Tick) error {
	switch {
	case t.InstrumentID <= 0:
		return invalid(op, "instrument id %d is not positive", t.InstrumentID)
	case t.TS.IsZero():
		return invalid(op, "tick of instrument %d has no timestamp", t.InstrumentID)
	case math.IsNaN(t.Price) || math.IsInf(t.Price, 0) || t.Price < 0:
		return invalid(op, "price %v of instrument %d is not a non-negative number", t.Price, t.InstrumentID)
	case t.Volume < 0:
		return invalid(op, "volume %d of instrument %d is negative", t.Volume, t.InstrumentID)
	}
	return nil
}

func validRange(op string, from, to time.Time) error {
	if from.IsZero() || to.IsZero() {
		return invalid(op, "the range needs both ends")
	}
	if !from.Before(to) {
		return invalid(op, "the range ends (%s) at or before it starts (%s)", to.Format(time.RFC3339Nano), from.Format(time.RFC3339Nano))
	}
	return nil
}

func validAlert(op string, a Alert) error {
	if a.InstrumentID <= 0 {
		return invalid(op, "instrument id %d is not positive", a.InstrumentID)
	}
	if a.RaisedAt.IsZero() {
		return invalid(op, "the alert has no time")
	}
	return validSeverities(op, a.Severity)
}

func validSeverities(op string, severities ...string) error {
	for _, s := range severities {
		ok := false
		for _, known := range Severities {
			ok = ok || s == known
		}
		if !ok {
			return invalid(op, "severity %q is not one of info, warning, critical", s)
		}
	}
	return nil
}

func orAll(severities []string) []string {
	if len(severities) == 0 {
		return Severities
	}
	return severities
}
