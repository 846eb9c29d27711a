// Package awsfake serves, on 127.0.0.1, just enough of the AWS APIs the
// Lambdas call for tests to drive the real aws-sdk-go-v2 clients through
// endpoint overrides: CloudWatch PutMetricData (Smithy RPC v2 CBOR), SNS
// Publish (AWS query), DMS DescribeReplicationTasks/StopReplicationTask and
// Secrets Manager GetSecretValue (AWS JSON 1.1), a rotating Secrets Manager
// secret with versions and staging labels (RotatingSecret), and S3
// Put/Head/GetObject (REST XML, path-style).
//
// Every fake records the calls it served and can inject failures or delays.
package awsfake

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Fault is an injected error answer.
type Fault struct {
	Status  int
	Code    string
	Message string
	// Delay holds the answer back (to exercise client timeouts).
	Delay time.Duration
}

// Call is one request served.
type Call struct {
	Operation string
	Params    map[string]any
}

// base holds what every fake shares.
type base struct {
	mu     sync.Mutex
	calls  []Call
	faults map[string]*Fault
	srv    *httptest.Server
	// URL is the endpoint to configure as BaseEndpoint.
	URL string
}

func (b *base) start(h http.Handler) {
	b.faults = map[string]*Fault{}
	b.srv = httptest.NewServer(h)
	b.URL = b.srv.URL
}

// Close stops the server.
func (b *base) Close() { b.srv.Close() }

// Calls returns the calls served so far.
func (b *base) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// FailNext makes every later call of operation answer f (nil clears it).
func (b *base) Fail(operation string, f *Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f == nil {
		delete(b.faults, operation)
		return
	}
	b.faults[operation] = f
}

func (b *base) record(op string, params map[string]any) *Fault {
	b.mu.Lock()
	b.calls = append(b.calls, Call{Operation: op, Params: params})
	f := b.faults[op]
	b.mu.Unlock()
	if f != nil && f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f != nil && f.Status == 0 {
		return nil
	}
	return f
}

// accept reads a signed JSON 1.1 request of the service, records the call
// and answers with its configured fault, if any: ok is false when the
// request has been answered.
func (b *base) accept(w http.ResponseWriter, r *http.Request, targetPrefix string) (string, map[string]any, bool) {
	op, params, ok := readJSON11(w, r, targetPrefix)
	if !ok {
		return "", nil, false
	}
	if f := b.record(op, params); f != nil {
		jsonError(w, f.Status, f.Code, f.Message)
		return "", nil, false
	}
	return op, params, true
}

func signed(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
}

// ---- CloudWatch (rpcv2Cbor) ----

// CloudWatch fakes PutMetricData.
type CloudWatch struct {
	base
	Metrics []MetricDatum
}

// MetricDatum is one metric received.
type MetricDatum struct {
	Namespace  string
	Name       string
	Value      float64
	Unit       string
	Dimensions map[string]string
}

// NewCloudWatch starts a CloudWatch fake.
func NewCloudWatch() *CloudWatch {
	c := &CloudWatch{}
	c.start(http.HandlerFunc(c.serve))
	return c
}

// Datums returns the metrics received.
func (c *CloudWatch) Datums() []MetricDatum {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]MetricDatum(nil), c.Metrics...)
}

func cborError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(msg)}))
}

func (c *CloudWatch) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "/service/GraniteServiceVersion20100801/operation/"
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		cborError(w, 400, "UnknownOperationException", "not an rpc-v2-cbor CloudWatch call")
		return
	}
	if !signed(r) {
		cborError(w, 403, "AccessDenied", "unsigned request")
		return
	}
	op := strings.TrimPrefix(r.URL.Path, prefix)
	body, _ := io.ReadAll(r.Body)
	if strings.Contains(r.Header.Get("Content-Encoding"), "gzip") {
		// PutMetricData bodies are gzip-compressed by the SDK.
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			cborError(w, 400, "InvalidParameterValue", "bad gzip body")
			return
		}
	}
	if op != "PutMetricData" {
		cborError(w, 400, "UnknownOperationException", op+" is not faked")
		return
	}
	v, err := cbor.Decode(body)
	m, ok := v.(cbor.Map)
	if err != nil || !ok {
		cborError(w, 400, "InvalidParameterValue", "body is not a CBOR map")
		return
	}
	ns, _ := m["Namespace"].(cbor.String)
	var datums []MetricDatum
	list, _ := m["MetricData"].(cbor.List)
	for _, item := range list {
		dm, _ := item.(cbor.Map)
		d := MetricDatum{Namespace: string(ns), Dimensions: map[string]string{}}
		if s, ok := dm["MetricName"].(cbor.String); ok {
			d.Name = string(s)
		}
		if s, ok := dm["Unit"].(cbor.String); ok {
			d.Unit = string(s)
		}
		if f, err := cbor.AsFloat64(dm["Value"]); err == nil {
			d.Value = f
		}
		dims, _ := dm["Dimensions"].(cbor.List)
		for _, dv := range dims {
			dd, _ := dv.(cbor.Map)
			n, _ := dd["Name"].(cbor.String)
			val, _ := dd["Value"].(cbor.String)
			d.Dimensions[string(n)] = string(val)
		}
		datums = append(datums, d)
	}
	if f := c.record(op, map[string]any{"Namespace": string(ns), "count": len(datums)}); f != nil {
		cborError(w, f.Status, f.Code, f.Message)
		return
	}
	if ns == "" || len(datums) == 0 {
		cborError(w, 400, "MissingRequiredParameter", "Namespace and MetricData are required")
		return
	}
	c.mu.Lock()
	c.Metrics = append(c.Metrics, datums...)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	_, _ = w.Write(cbor.Encode(cbor.Map{}))
}

// ---- SNS (awsQuery) ----

// SNS fakes Publish.
type SNS struct {
	base
	n int
}

// NewSNS starts an SNS fake.
func NewSNS() *SNS {
	s := &SNS{}
	s.start(http.HandlerFunc(s.serve))
	return s
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
		xmlEscape(code), xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (s *SNS) serve(w http.ResponseWriter, r *http.Request) {
	if !signed(r) {
		queryError(w, 403, "AccessDenied", "unsigned request")
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		queryError(w, 400, "MalformedQueryString", "bad form body")
		return
	}
	op := form.Get("Action")
	params := map[string]any{}
	for k, v := range form {
		params[k] = v[0]
	}
	if f := s.record(op, params); f != nil {
		queryError(w, f.Status, f.Code, f.Message)
		return
	}
	if op != "Publish" {
		queryError(w, 400, "InvalidAction", op+" is not faked")
		return
	}
	if form.Get("TopicArn") == "" || form.Get("Message") == "" {
		queryError(w, 400, "InvalidParameter", "TopicArn and Message are required")
		return
	}
	s.mu.Lock()
	s.n++
	id := fmt.Sprintf("msg-%04d", s.n)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></PublishResponse>`, id, s.n)
}

// ---- JSON 1.1 services ----

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func jsonOK(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON11(w http.ResponseWriter, r *http.Request, targetPrefix string) (string, map[string]any, bool) {
	if !signed(r) {
		jsonError(w, 403, "AccessDeniedException", "unsigned request")
		return "", nil, false
	}
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(target, targetPrefix+".") {
		jsonError(w, 400, "UnknownOperationException", "unexpected X-Amz-Target "+target)
		return "", nil, false
	}
	var params map[string]any
	body, _ := io.ReadAll(r.Body)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &params); err != nil {
			jsonError(w, 400, "SerializationException", "body is not JSON")
			return "", nil, false
		}
	}
	return strings.TrimPrefix(target, targetPrefix+"."), params, true
}

// SecretsManager fakes GetSecretValue over a fixed set of secrets.
type SecretsManager struct {
	base
	secrets map[string]string
}

// NewSecretsManager starts a Secrets Manager fake holding secrets (ARN or
// name -> SecretString).
func NewSecretsManager(secrets map[string]string) *SecretsManager {
	s := &SecretsManager{secrets: secrets}
	s.start(http.HandlerFunc(s.serve))
	return s
}

func (s *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	op, params, ok := s.accept(w, r, "secretsmanager")
	if !ok {
		return
	}
	if op != "GetSecretValue" {
		jsonError(w, 400, "UnknownOperationException", op+" is not faked")
		return
	}
	id, _ := params["SecretId"].(string)
	v, found := s.secrets[id]
	if !found {
		jsonError(w, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	jsonOK(w, map[string]any{"ARN": id, "Name": id, "SecretString": v, "VersionId": "v1",
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
}

// DMS fakes DescribeReplicationTasks and StopReplicationTask for tasks held
// in memory.
type DMS struct {
	base
	tasks map[string]string // ARN -> status
}

// NewDMS starts a DMS fake with tasks (ARN -> status, e.g. "running").
func NewDMS(tasks map[string]string) *DMS {
	d := &DMS{tasks: tasks}
	d.start(http.HandlerFunc(d.serve))
	return d
}

// Status returns a task's status.
func (d *DMS) Status(arn string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tasks[arn]
}

func (d *DMS) serve(w http.ResponseWriter, r *http.Request) {
	op, params, ok := d.accept(w, r, "AmazonDMSv20160101")
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	task := func(arn string) map[string]any {
		return map[string]any{"ReplicationTaskArn": arn, "ReplicationTaskIdentifier": arn[strings.LastIndex(arn, ":")+1:], "Status": d.tasks[arn]}
	}
	switch op {
	case "DescribeReplicationTasks":
		var arns []string
		filters, _ := params["Filters"].([]any)
		for _, f := range filters {
			fm, _ := f.(map[string]any)
			if fm["Name"] == "replication-task-arn" {
				vals, _ := fm["Values"].([]any)
				for _, v := range vals {
					if s, ok := v.(string); ok {
						arns = append(arns, s)
					}
				}
			}
		}
		var out []map[string]any
		for _, a := range arns {
			if _, ok := d.tasks[a]; ok {
				out = append(out, task(a))
			}
		}
		if len(out) == 0 {
			jsonError(w, 400, "ResourceNotFoundFault", "No Tasks found matching the filters")
			return
		}
		jsonOK(w, map[string]any{"ReplicationTasks": out})
	case "StopReplicationTask":
		arn, _ := params["ReplicationTaskArn"].(string)
		st, found := d.tasks[arn]
		switch {
		case !found:
			jsonError(w, 400, "ResourceNotFoundFault", "Replication Task not found")
		case st != "running" && st != "starting" && st != "resuming":
			jsonError(w, 400, "InvalidResourceStateFault", "Replication task is not running")
		default:
			d.tasks[arn] = "stopping"
			jsonOK(w, map[string]any{"ReplicationTask": task(arn)})
		}
	default:
		jsonError(w, 400, "UnknownOperationException", op+" is not faked")
	}
}

// ---- S3 (REST XML, path-style) ----

// S3 fakes PutObject, HeadObject and GetObject, and checks the SHA-256
// checksum a PutObject carries.
type S3 struct {
	base
	objects map[string][]byte
	meta    map[string]http.Header
}

// NewS3 starts an S3 fake.
func NewS3() *S3 {
	s := &S3{objects: map[string][]byte{}, meta: map[string]http.Header{}}
	s.start(http.HandlerFunc(s.serve))
	return s
}

// Object returns a stored object.
func (s *S3) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	return b, ok
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>req</RequestId></Error>`, xmlEscape(code), xmlEscape(msg))
}

func (s *S3) serve(w http.ResponseWriter, r *http.Request) {
	if !signed(r) {
		s3Error(w, 403, "AccessDenied", "unsigned request")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, ok := strings.Cut(path, "/")
	if !ok || bucket == "" || key == "" {
		s3Error(w, 400, "InvalidRequest", "path-style /bucket/key expected")
		return
	}
	id := bucket + "/" + key
	var op string
	switch r.Method {
	case http.MethodPut:
		op = "PutObject"
	case http.MethodHead:
		op = "HeadObject"
	case http.MethodGet:
		op = "GetObject"
	default:
		s3Error(w, 405, "MethodNotAllowed", r.Method)
		return
	}
	params := map[string]any{"Bucket": bucket, "Key": key}
	body, err := readS3Body(r)
	if err != nil {
		s3Error(w, 400, "IncompleteBody", err.Error())
		return
	}
	if op == "PutObject" {
		params["ContentLength"] = len(body)
		params["ChecksumSHA256"] = r.Header.Get("X-Amz-Checksum-Sha256")
		params["ContentType"] = r.Header.Get("Content-Type")
	}
	if f := s.record(op, params); f != nil {
		if op == "HeadObject" {
			w.WriteHeader(f.Status)
			return
		}
		s3Error(w, f.Status, f.Code, f.Message)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "PutObject":
		sum := sha256.Sum256(body)
		b64 := base64.StdEncoding.EncodeToString(sum[:])
		if want := r.Header.Get("X-Amz-Checksum-Sha256"); want != "" && want != b64 {
			s3Error(w, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
			return
		}
		s.objects[id] = body
		h := http.Header{}
		h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		h.Set("X-Amz-Checksum-Sha256", b64)
		h.Set("Content-Type", r.Header.Get("Content-Type"))
		s.meta[id] = h
		w.Header().Set("ETag", h.Get("ETag"))
		w.Header().Set("X-Amz-Checksum-Sha256", b64)
		w.WriteHeader(200)
	case "HeadObject", "GetObject":
		obj, found := s.objects[id]
		if !found {
			if op == "HeadObject" {
				w.WriteHeader(404)
				return
			}
			s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
			return
		}
		for k, v := range s.meta[id] {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(obj)))
		w.WriteHeader(200)
		if op == "GetObject" {
			_, _ = w.Write(obj)
		}
	}
}

// readS3Body reads a request body, decoding aws-chunked framing when the
// client streamed with a trailing checksum.
func readS3Body(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		return raw, nil
	}
	var out []byte
	rest := string(raw)
	for {
		line, after, ok := strings.Cut(rest, "\r\n")
		if !ok {
			return nil, fmt.Errorf("bad aws-chunked framing")
		}
		sizeHex, _, _ := strings.Cut(line, ";")
		var n int
		if _, err := fmt.Sscanf(sizeHex, "%x", &n); err != nil {
			return nil, fmt.Errorf("bad chunk size")
		}
		if n == 0 {
			// Trailers follow; a checksum trailer is checked like a header.
			for _, tl := range strings.Split(after, "\r\n") {
				if k, v, ok := strings.Cut(tl, ":"); ok && strings.EqualFold(k, "x-amz-checksum-sha256") {
					r.Header.Set("X-Amz-Checksum-Sha256", strings.TrimSpace(v))
				}
			}
			return out, nil
		}
		if len(after) < n+2 {
			return nil, fmt.Errorf("short chunk")
		}
		out = append(out, after[:n]...)
		rest = after[n+2:]
	}
}
