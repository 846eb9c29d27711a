// Command lambda-publish uploads the Lambda zips built by `make lambdas` to
//
//	s3://<bucket>/<prefix>/<version>/<name>.zip      (prefix defaults to payment-platform)
//
// with their SHA-256 as the S3 checksum, so S3 rejects a corrupted upload
// and the object's checksum equals Lambda's sourceCodeHash. A version is
// immutable: an object that already exists with the same checksum is left
// alone, one with a different checksum is an error unless -force.
//
//	lambda-publish -bucket my-artifacts -version v1.4.2 [-dir _output/lambda] [name ...]
//
// Credentials and region come from the usual AWS environment;
// AWS_ENDPOINT_URL_S3 (with -path-style) points it elsewhere.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lambda-publish:", err)
		os.Exit(1)
	}
}

var (
	bucketRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	prefixRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// S3API is the part of the S3 client used.
type S3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lambda-publish", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bucket := fs.String("bucket", "", "S3 bucket (required)")
	version := fs.String("version", "", "release version, e.g. v1.4.2 (required)")
	dir := fs.String("dir", "_output/lambda", "directory holding <name>.zip")
	prefix := fs.String("prefix", contract.ArtifactPrefix, "key prefix")
	force := fs.Bool("force", false, "overwrite an existing object whose content differs")
	pathStyle := fs.Bool("path-style", false, "use path-style S3 URLs (for S3-compatible endpoints)")
	timeout := fs.Duration("timeout", 2*time.Minute, "timeout of each S3 call")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: lambda-publish -bucket B -version V [-dir D] [-prefix P] [-force] [name ...])", err)
	}
	switch {
	case !bucketRE.MatchString(*bucket):
		return errors.New("-bucket must be a valid S3 bucket name")
	case !versionRE.MatchString(*version):
		return errors.New("-version must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}")
	case !prefixRE.MatchString(*prefix) || strings.Contains(*prefix, ".."):
		return errors.New("-prefix must be a simple key prefix")
	}
	names := fs.Args()
	if len(names) == 0 {
		zips, _ := filepath.Glob(filepath.Join(*dir, "*.zip"))
		for _, z := range zips {
			names = append(names, strings.TrimSuffix(filepath.Base(z), ".zip"))
		}
		sort.Strings(names)
	}
	if len(names) == 0 {
		return fmt.Errorf("no zip in %s: run `make lambdas` first", *dir)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryMaxAttempts(3),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(*timeout)))
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = *pathStyle })
	for _, name := range names {
		if !nameRE.MatchString(name) {
			return fmt.Errorf("bad function name %q", name)
		}
		key := strings.TrimSuffix(*prefix, "/") + "/" + *version + "/" + name + ".zip"
		res, err := publish(ctx, client, *bucket, key, filepath.Join(*dir, name+".zip"), *force, *timeout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\ts3://%s/%s\tsourceCodeHash %s\n", res.action, *bucket, key, res.sha)
	}
	return nil
}

type result struct{ action, sha string }

func describe(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

func publish(ctx context.Context, c S3API, bucket, key, path string, force bool, timeout time.Duration) (result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return result{}, fmt.Errorf("read %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	sha := base64.StdEncoding.EncodeToString(sum[:])

	hctx, cancel := context.WithTimeout(ctx, timeout)
	head, err := c.HeadObject(hctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	cancel()
	var notFound *types.NotFound
	switch {
	case err == nil:
		if aws.ToString(head.ChecksumSHA256) == sha {
			return result{"unchanged", sha}, nil
		}
		if !force {
			return result{}, fmt.Errorf("s3://%s/%s already exists with other content (sha256 %q); versions are immutable (use -force to overwrite)",
				bucket, key, aws.ToString(head.ChecksumSHA256))
		}
	case errors.As(err, &notFound) || strings.Contains(describe(err), "NotFound"):
	default:
		return result{}, fmt.Errorf("s3 HeadObject s3://%s/%s: %s", bucket, key, describe(err))
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = c.PutObject(pctx, &s3.PutObjectInput{
		Bucket:         aws.String(bucket),
		Key:            aws.String(key),
		Body:           strings.NewReader(string(data)),
		ContentLength:  aws.Int64(int64(len(data))),
		ContentType:    aws.String("application/zip"),
		ChecksumSHA256: aws.String(sha),
	})
	if err != nil {
		if errors.Is(pctx.Err(), context.DeadlineExceeded) {
			return result{}, fmt.Errorf("s3 PutObject s3://%s/%s: no answer within %s", bucket, key, timeout)
		}
		return result{}, fmt.Errorf("s3 PutObject s3://%s/%s: %s", bucket, key, describe(err))
	}
	return result{"uploaded", sha}, nil
}
