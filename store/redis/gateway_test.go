package redis_test

import (
	"testing"

	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate/smsgatetest"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func TestGatewayState(t *testing.T) {
	smsgatetest.TestState(t, func(t *testing.T) smsgate.State {
		rdb, prefix := storetest.Redis(t)
		return redis.NewGateway(rdb, prefix)
	})
}
