package memory_test

import (
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.TestSessions(t, func(t *testing.T) store.Sessions {
		return memory.NewSessions(time.Hour, time.Now)
	})
}
