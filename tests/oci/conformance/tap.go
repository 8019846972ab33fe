// Package tap writes the Test Anything Protocol (version 13) with the API of
// github.com/mndrix/tap-go, which runtime-tools' validation suite imports and
// Debian does not package. Only what the suite calls is here.
package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// T is a TAP stream; a copy made by Todo shares its test counter.
type T struct {
	next   *int
	todo   bool
	Writer io.Writer
}

// New starts a stream on standard output.
func New() *T {
	n := 1
	return &T{next: &n}
}

func (t *T) printf(format string, a ...interface{}) {
	w := t.Writer
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// Header writes the version line and, for a known count, the plan.
func (t *T) Header(testCount int) {
	t.printf("TAP version 13\n")
	if testCount > 0 {
		t.printf("1..%d\n", testCount)
	}
}

// Ok writes one test point.
func (t *T) Ok(test bool, description string) {
	result := "ok"
	if !test {
		result = "not ok"
	}
	description = strings.ReplaceAll(description, "\n", " ")
	if t.todo {
		t.printf("%s %d # TODO %s\n", result, *t.next, description)
	} else {
		t.printf("%s %d - %s\n", result, *t.next, description)
	}
	*t.next++
}

// Pass writes a passing test point.
func (t *T) Pass(description string) { t.Ok(true, description) }

// Fail writes a failing test point.
func (t *T) Fail(description string) { t.Ok(false, description) }

// Skip writes count skipped test points.
func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		t.printf("ok %d # SKIP %s\n", *t.next, description)
		*t.next++
	}
}

// Todo returns a stream whose test points are marked TODO.
func (t *T) Todo() *T {
	c := *t
	c.todo = true
	return &c
}

// Count is the number of test points written so far.
func (t *T) Count() int { return *t.next - 1 }

// AutoPlan writes the plan for the test points written so far.
func (t *T) AutoPlan() { t.printf("1..%d\n", t.Count()) }

// Diagnostic writes a comment line.
func (t *T) Diagnostic(message string) {
	t.printf("# %s\n", strings.ReplaceAll(message, "\n", "\n# "))
}

// Diagnosticf writes a formatted comment line.
func (t *T) Diagnosticf(format string, a ...interface{}) {
	t.Diagnostic(fmt.Sprintf(format, a...))
}

// YAML writes a YAML block after the last test point (as JSON, which is YAML).
func (t *T) YAML(message interface{}) error {
	b, err := json.MarshalIndent(message, "  ", "  ")
	if err != nil {
		return err
	}
	t.printf("  ---\n  %s\n  ...\n", b)
	return nil
}
