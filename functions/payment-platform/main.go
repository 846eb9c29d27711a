// Command function-payment-platform serves the XPaymentPlatform composition
// function over gRPC (mTLS by default).
package main

import (
	"time"

	"github.com/alecthomas/kong"

	function "github.com/crossplane/function-sdk-go"

	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
)

// CLI of the function, as in crossplane/function-template-go.
type CLI struct {
	Debug bool `help:"Emit debug logs in addition to info logs." short:"d"`

	Network            string        `default:"tcp"                                                                                         help:"Network on which to listen for gRPC connections."`
	Address            string        `default:":9443"                                                                                       help:"Address at which to listen for gRPC connections."`
	TLSCertsDir        string        `env:"TLS_SERVER_CERTS_DIR"                                                                            help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)"`
	Insecure           bool          `help:"Run without mTLS credentials. If you supply this flag --tls-server-certs-dir will be ignored."`
	MaxRecvMessageSize int           `default:"4"                                                                                           help:"Maximum size of received messages in MB."`
	TTL                time.Duration `default:"60s"                                                                                         help:"How long Crossplane may cache a response before calling the function again."`
	MetricsAddress     string        `default:":8080"                                                                                       help:"Address of the Prometheus metrics endpoint; empty disables it."`
}

// Run the function server.
func (c *CLI) Run() error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return err
	}
	return function.Serve(&fn.Function{Log: log, TTL: c.TTL},
		function.Listen(c.Network, c.Address),
		function.MTLSCertificates(c.TLSCertsDir),
		function.Insecure(c.Insecure),
		function.MaxRecvMessageSize(c.MaxRecvMessageSize*1024*1024),
		function.WithMetricsServer(c.MetricsAddress))
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The XPaymentPlatform composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
