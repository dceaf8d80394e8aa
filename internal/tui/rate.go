package tui

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxRateInput bounds the text ParseRate looks at.
const maxRateInput = 64

// ErrRate is wrapped by every error ParseRate returns.
var ErrRate = errors.New("tui: rate")

// rateUnits maps a lower-case unit to its multiplier. Single letters and the
// IEC forms are binary; the two-letter SI forms are decimal.
var rateUnits = map[string]float64{
	"":    1,
	"b":   1,
	"k":   1 << 10,
	"ki":  1 << 10,
	"kib": 1 << 10,
	"kb":  1e3,
	"m":   1 << 20,
	"mi":  1 << 20,
	"mib": 1 << 20,
	"mb":  1e6,
	"g":   1 << 30,
	"gi":  1 << 30,
	"gib": 1 << 30,
	"gb":  1e9,
	"t":   1 << 40,
	"ti":  1 << 40,
	"tib": 1 << 40,
	"tb":  1e12,
}

// ParseRate parses a rate limit in bytes per second as a user types it:
// a non-negative number, optionally fractional, followed by an optional unit
// and an optional "/s". K, Ki, KiB (and M, G, T alike) are powers of 1024;
// KB, MB, GB, TB are powers of 1000; B or no unit means bytes. Case and
// spaces between the parts do not matter. "0", the empty string, "unlimited",
// "none" and "off" all mean 0, that is unlimited.
func ParseRate(s string) (int64, error) {
	if len(s) > maxRateInput {
		return 0, fmt.Errorf("%w: input longer than %d bytes", ErrRate, maxRateInput)
	}
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "", "unlimited", "none", "off":
		return 0, nil
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "/s"))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if num == "" {
		return 0, fmt.Errorf("%w: %q: no number", ErrRate, s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %w", ErrRate, s, err)
	}
	mul, ok := rateUnits[unit]
	if !ok {
		return 0, fmt.Errorf("%w: %q: unknown unit %q", ErrRate, s, unit)
	}
	v *= mul
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q: too large", ErrRate, s)
	}
	return int64(math.Round(v)), nil
}
