// Package ecremu emulates the parts of Amazon ECR and AWS STS a connection
// test touches, speaking their real wire protocols so that the real
// aws-sdk-go-v2 clients can be pointed at it with BaseEndpoint.
//
// # Servers
//
// An [Emulator] runs three TLS servers on loopback:
//
//   - API: ECR's JSON 1.1 protocol (POST /, X-Amz-Target
//     AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, errors as
//     {"__type","message"}) and STS's Query protocol (form-encoded
//     Action=AssumeRole, XML responses, ErrorResponse XML errors). Every
//     request's SigV4 signature is verified against the registered keys, so
//     a wrong secret fails as it does on AWS (InvalidSignatureException,
//     SignatureDoesNotMatch), an unknown key id with
//     UnrecognizedClientException or InvalidClientTokenId, and a signature
//     dated more than 15 minutes from now is expired, as on AWS.
//   - Registry: a v2 registry behind ECR's Basic challenge
//     (Basic realm="https://<acct>.dkr.ecr.<region>.amazonaws.com/",
//     service="ecr.amazonaws.com") accepting only AWS:<password> tokens the
//     API issued and that have not expired (403 DENIED "Your authorization
//     token has expired" otherwise). Blob requests redirect to the S3
//     server.
//   - S3: answers a presigned blob URL, and refuses a request that also
//     carries an Authorization header with "Only one auth mechanism
//     allowed", as S3 does, which proves a client drops credentials on a
//     cross-host redirect.
//
// # Faults
//
// [Emulator.ThrottleNext], [Emulator.SetLatency], [Emulator.ExpireTokens],
// [Emulator.ExpireKey] and [Emulator.Deny] inject the failures users
// report: throttling, slow endpoints, the 12-hour token expiring, an
// expired session token, and a principal without ecr:GetAuthorizationToken.
package ecremu
