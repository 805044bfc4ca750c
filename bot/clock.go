package bot

import (
	"sync"
	"time"
)

// Clock is the bot's only source of time. A live event runs on the wall clock; a
// rehearsal runs on a virtual clock that starts at a chosen instant and runs faster.
type Clock interface {
	// Now is the current instant on this clock.
	Now() time.Time
	// After fires once d of this clock's time has passed.
	After(d time.Duration) <-chan time.Time
}

// ScaledClock is a Clock that starts at a chosen instant and runs Speed times as
// fast as the real clock it is built on. With speed 1 and no start it is the real
// clock itself.
type ScaledClock struct {
	real  func() time.Time
	speed float64

	mu        sync.Mutex
	origin    time.Time // virtual instant at realStart
	realStart time.Time
	held      bool // stopped at origin until Release
}

// NewScaledClock returns a clock that reads start at the moment of the call and
// then advances speed virtual seconds per real second. A zero start means "now",
// a speed <= 0 means 1. real is the wall clock (time.Now in main, a fake in tests).
func NewScaledClock(real func() time.Time, start time.Time, speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	r := real()
	if start.IsZero() {
		start = r
	}
	return &ScaledClock{real: real, speed: speed, origin: start, realStart: r}
}

// Now implements Clock.
func (c *ScaledClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *ScaledClock) nowLocked() time.Time {
	if c.held {
		return c.origin
	}
	elapsed := c.real().Sub(c.realStart)
	return c.origin.Add(time.Duration(float64(elapsed) * c.speed))
}

// Hold stops the clock at its current instant until Release. A rehearsal
// holds it while the bot starts, so that the day begins at --clock however
// long the start takes: at 15,000x, 20 ms of start-up would be 5 virtual
// minutes, a whole catch-up window.
func (c *ScaledClock) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.origin, c.held = c.nowLocked(), true
}

// Release lets a held clock run again from the instant it was held at.
func (c *ScaledClock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		c.realStart, c.held = c.real(), false
	}
}

// Speed is how many virtual seconds pass per real second.
func (c *ScaledClock) Speed() float64 { return c.speed }

// After implements Clock: d is virtual time, waited for as d/Speed of real time.
func (c *ScaledClock) After(d time.Duration) <-chan time.Time {
	if d < 0 {
		d = 0
	}
	return time.After(c.RealDuration(d))
}

// RealDuration converts a span of this clock's time into real time.
func (c *ScaledClock) RealDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}
