package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The rules that several flags share, each written once, each error
// naming the flag.

// positive is the rule for a duration that must be more than zero.
func positive(flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("--%s must be positive, got %v", flag, d)
	}
	return nil
}

// atLeast is the rule for a count with a lower bound.
func atLeast(flag string, n, least int) error {
	if n < least {
		return fmt.Errorf("--%s must be %d or more, got %d", flag, least, n)
	}
	return nil
}

// durationValue is a time.Duration flag whose errors say how to write
// one: a bare number is the common slip ('--timeout 5').
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

// Type names the value's placeholder in the help, as the flag package did.
func (d *durationValue) Type() string { return "duration" }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err == nil {
		*d = durationValue(v)
		return nil
	}
	if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
		return errors.New("add a unit, like 5s or 500ms")
	}
	return errors.New("want a duration, like 5s, 500ms or 1m30s")
}

// number writes a number for people, in plain digits: 1000000 and 0.001
// rather than Go's 1e+06 and %g's exponents.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
