// Package awstest builds aws-sdk-go-v2 configurations for tests: static
// credentials, a fixed region, and no retries to slow failures down.
package awstest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns a configuration whose calls are signed with fake static
// credentials. Point each client at a local server with its BaseEndpoint.
func Config() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret-key", ""),
		RetryMaxAttempts: 1,
	}
}
