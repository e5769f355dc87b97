package ecremu

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// maxBody caps a request body; the requests served here are tiny.
const maxBody = 64 << 10

// apiError is an AWS error: its type (JSON __type / Query Code), message
// and HTTP status.
type apiError struct {
	code, msg string
	status    int
}

var (
	errThrottled   = apiError{"ThrottlingException", "Rate exceeded", http.StatusBadRequest}
	errUnknownKey  = apiError{"UnrecognizedClientException", "The security token included in the request is invalid.", http.StatusBadRequest}
	errBadSig      = apiError{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.", http.StatusBadRequest}
	errExpiredKey  = apiError{"ExpiredTokenException", "The security token included in the request is expired", http.StatusBadRequest}
	errMissingAuth = apiError{"MissingAuthenticationTokenException", "Missing Authentication Token", http.StatusBadRequest}
)

// stsCodes renames the JSON exceptions to STS's Query error codes.
var stsCodes = map[string]string{
	"ThrottlingException":                 "Throttling",
	"UnrecognizedClientException":         "InvalidClientTokenId",
	"InvalidSignatureException":           "SignatureDoesNotMatch",
	"ExpiredTokenException":               "ExpiredToken",
	"MissingAuthenticationTokenException": "MissingAuthenticationToken",
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	e.Delay(r)
	if r.Header.Get("X-Amz-Target") != "" {
		e.apiHits.Add(1)
		e.serveECR(w, r, body)
		return
	}
	e.stsHits.Add(1)
	e.serveSTS(w, r, body)
}

// authenticate checks throttling, then the SigV4 signature for service,
// for region ("" accepts any), and returns the caller's access key id.
func (e *Emulator) authenticate(r *http.Request, body []byte, service, region string) (string, *apiError) {
	if e.TakeThrottle() {
		return "", &errThrottled
	}
	sig, err := parseSigV4(r.Header.Get("Authorization"))
	if err != nil {
		return "", &errMissingAuth
	}
	e.mu.Lock()
	k, ok := e.keys[sig.accessKeyID]
	e.mu.Unlock()
	switch {
	case !ok:
		return "", &errUnknownKey
	case k.sessionToken != r.Header.Get("X-Amz-Security-Token"):
		return "", &errUnknownKey
	case k.expired:
		return "", &errExpiredKey
	case sig.service != service || (region != "" && sig.region != region):
		return "", &apiError{"InvalidSignatureException", "Credential should be scoped to a valid region.", http.StatusBadRequest}
	case !fresh(r.Header.Get("X-Amz-Date"), time.Now()):
		return "", &apiError{"InvalidSignatureException", "Signature expired: " + r.Header.Get("X-Amz-Date") +
			" is outside the 15 minutes around " + time.Now().UTC().Format(amzDateLayout), http.StatusBadRequest}
	case !sig.verify(r, body, k.secret):
		return "", &errBadSig
	}
	return sig.accessKeyID, nil
}

// amzDateLayout is X-Amz-Date's format; maxSkew how far from AWS's clock a
// signature may be dated.
const (
	amzDateLayout = "20060102T150405Z"
	maxSkew       = 15 * time.Minute
)

// fresh reports whether a request dated amzDate may be served at now.
func fresh(amzDate string, now time.Time) bool {
	t, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return false
	}
	d := now.Sub(t)
	return d <= maxSkew && d >= -maxSkew
}

func (e *Emulator) serveECR(w http.ResponseWriter, r *http.Request, body []byte) {
	switch r.Header.Get("X-Amz-Target") {
	case TargetGetAuthorizationToken:
	case TargetPublicGetAuthorizationToken:
		e.servePublicToken(w, r, body)
		return
	default:
		writeJSONErr(w, apiError{"UnknownOperationException", "", http.StatusBadRequest})
		return
	}
	password, expires, ok := e.authorize(w, r, body, "ecr", e.region, "ecr:GetAuthorizationToken", e.tokens)
	if !ok {
		return
	}
	writeJSON(w, map[string]any{"authorizationData": []map[string]any{{
		"authorizationToken": base64.StdEncoding.EncodeToString([]byte("AWS:" + password)),
		"expiresAt":          float64(expires.Unix()),
		"proxyEndpoint":      "https://" + e.RegistryHost(),
	}}})
}

// servePublicToken is ECR Public's GetAuthorizationToken (us-east-1 only,
// signing name ecr-public; authorizationData is one object).
func (e *Emulator) servePublicToken(w http.ResponseWriter, r *http.Request, body []byte) {
	password, expires, ok := e.authorize(w, r, body, "ecr-public", PublicRegion, "sts:GetServiceBearerToken", e.pubTokens)
	if !ok {
		return
	}
	writeJSON(w, map[string]any{"authorizationData": map[string]any{
		"authorizationToken": base64.StdEncoding.EncodeToString([]byte("AWS:" + password)),
		"expiresAt":          float64(expires.Unix()),
	}})
}

// authorize checks the request's SigV4 signature for service and region
// and that the caller may perform action, writing the AWS error when not;
// when it may, it issues a registry password recorded in set (private
// and public registries each take only their own).
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request, body []byte, service, region, action string, set map[string]time.Time) (string, time.Time, bool) {
	akid, aerr := e.authenticate(r, body, service, region)
	if aerr != nil {
		writeJSONErr(w, *aerr)
		return "", time.Time{}, false
	}
	e.mu.Lock()
	denied := e.denied[akid]
	e.mu.Unlock()
	if denied {
		writeJSONErr(w, apiError{"AccessDeniedException", "User: arn:aws:iam::" + e.account +
			":user/reader is not authorized to perform: " + action + " on resource: *", http.StatusBadRequest})
		return "", time.Time{}, false
	}
	password, expires := e.issueToken(set)
	return password, expires, true
}

func (e *Emulator) issueToken(set map[string]time.Time) (string, time.Time) {
	password := "eyJwYXlsb2FkIjoi" + emufault.RandomHex(32)
	expires := time.Now().Add(TokenTTL)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.expireNew {
		expires = time.Unix(0, 0)
	}
	set[password] = expires
	return password, expires
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONErr(w http.ResponseWriter, a apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", a.code)
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": a.code, "message": a.msg})
}

// STS (Query protocol).

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials     stsCredentials `xml:"Credentials"`
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type stsErrorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

func (e *Emulator) serveSTS(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") != "AssumeRole" {
		writeXMLErr(w, apiError{"InvalidAction", "Could not find operation", http.StatusBadRequest})
		return
	}
	// Every regional STS endpoint is emulated: any signing region passes.
	if _, aerr := e.authenticate(r, body, "sts", ""); aerr != nil {
		a := *aerr
		a.code, a.status = stsCodes[a.code], http.StatusForbidden
		if a.code == "Throttling" {
			a.status = http.StatusBadRequest
		}
		writeXMLErr(w, a)
		return
	}
	e.assumeRole(w, form)
}

func (e *Emulator) assumeRole(w http.ResponseWriter, form url.Values) {
	arn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	e.mu.Lock()
	ext, ok := e.roles[arn]
	e.mu.Unlock()
	if !ok || ext != form.Get("ExternalId") {
		writeXMLErr(w, apiError{"AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: " + arn, http.StatusForbidden})
		return
	}
	c := stsCredentials{AccessKeyID: "ASIA" + strings.ToUpper(emufault.RandomHex(8)), SecretAccessKey: emufault.RandomHex(20),
		SessionToken: "FwoGZXIvYXdzE" + emufault.RandomHex(32), Expiration: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
	e.AddKey(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	var out assumeRoleResponse
	out.Result.Credentials = c
	out.Result.AssumedRoleUser.AssumedRoleID = "AROA3XFRBF535PLBIFPI4:" + session
	out.Result.AssumedRoleUser.Arn = "arn:aws:sts::" + e.account + ":assumed-role/" + roleName(arn) + "/" + session
	out.RequestID = emufault.RandomHex(16)
	writeXML(w, http.StatusOK, out)
}

func roleName(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

func writeXMLErr(w http.ResponseWriter, a apiError) {
	writeXML(w, a.status, stsErrorResponse{Type: "Sender", Code: a.code, Message: a.msg, ReqID: emufault.RandomHex(16)})
}
