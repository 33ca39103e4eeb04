package load

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/seed"
	"github.com/wmsmock/wms-mock/scenarios"
)

// ErrNotRealistic is wrapped by MixSource for a scenario with delivery
// faults or a non-2xx expectation: load measures how a receiver answers
// realistic traffic, and counts every non-2xx answer as a failure.
var ErrNotRealistic = errors.New("not a realistic scenario")

// MixSource returns the Source of `wms-mock load`. Session i follows a
// scenario drawn from mix with probability proportional to its weight
// (every built-in journey alike when mix is empty), expanded afresh when the
// session starts: every event is encoded and signed with signer, with
// timestamps from that moment, and a session ID unique to this Source and
// i. The draw and the generated values come from runSeed and i alone; the
// session IDs do not: each Source draws a random nonce for them, so that a
// second run with the same runSeed is not taken by the receiver for
// redeliveries of the first.
func MixSource(mix []Weighted, signer *emitter.Signer, runSeed uint64) (Source, error) {
	if signer == nil {
		return nil, scenarios.ErrNoSigner
	}
	var chosen []*scenarios.Scenario
	if len(mix) == 0 {
		chosen = scenarios.Journeys()
		for _, s := range chosen {
			mix = append(mix, Weighted{s.Name, 1})
		}
		if len(chosen) == 0 {
			return nil, errors.New("no built-in journey to send")
		}
	} else {
		for _, w := range mix {
			s, err := scenarios.Find(w.Name)
			if err != nil {
				return nil, fmt.Errorf("--mix: %w", err)
			}
			if err := realistic(s); err != nil {
				return nil, err
			}
			chosen = append(chosen, s)
		}
	}
	pick := newPicker(mix)
	nonce := rand.Uint64N(nonceSpace)
	return SourceFunc(func(i uint64) (Script, error) {
		// The same whatever the concurrency or the order in which sessions
		// start.
		r := seed.Rand(runSeed, i)
		s := chosen[pick.pick(r)]
		st, err := s.Stream(scenarios.ExpandOptions{
			Seed:      r.Uint64(),
			Signer:    signer,
			SessionID: sessionID(nonce, i),
		})
		if err != nil {
			return Script{}, fmt.Errorf("%s: %w", s.Name, err)
		}
		return Script{Name: s.Name, Stream: st}, nil
	}), nil
}

// A session ID is scenarios.SessionIDLen (25) lowercase letters and digits,
// as WMS's are: nonceDigits base-36 digits of the run's nonce, then the
// session index in base 36, zero-padded. 13 digits hold any uint64 index,
// so IDs within a run never collide; 12 digits of nonce (about 2^62) make a
// collision between runs unlikely.
const (
	nonceDigits = scenarios.SessionIDLen - 13
	nonceSpace  = 4738381338321616896 // 36^12
)

// sessionID returns the ID of session i of the run with nonce.
func sessionID(nonce, i uint64) string {
	var b [scenarios.SessionIDLen]byte
	for k := range b {
		b[k] = '0'
	}
	n := strconv.AppendUint(nil, nonce, 36)
	copy(b[nonceDigits-len(n):nonceDigits], n)
	d := strconv.AppendUint(nil, i, 36)
	copy(b[len(b)-len(d):], d)
	return string(b[:])
}

// realistic checks that s sends what WMS sends and expects 2xx throughout.
func realistic(s *scenarios.Scenario) error {
	for _, st := range s.Steps {
		var why []string
		if st.Faults.Any() {
			why = append(why, "delivery faults")
		}
		if st.Expect != scenarios.Expect2xx {
			why = append(why, "expects "+st.Expect.String())
		}
		if len(why) > 0 {
			return fmt.Errorf("%w: %s (%s:%d) %s: load counts every non-2xx answer as a failure, so mix only fault-free scenarios; play edge cases with 'wms-mock run'",
				ErrNotRealistic, s.Name, s.File, st.Line, strings.Join(why, " and "))
		}
	}
	return nil
}
