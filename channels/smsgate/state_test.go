package smsgate_test

import (
	"testing"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
)

func TestMemoryState(t *testing.T) {
	smsgatetest.TestState(t, func(*testing.T) smsgate.State { return smsgate.NewMemoryState() })
}
