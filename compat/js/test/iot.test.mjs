// The AWS SDK for JavaScript v3 (@aws-sdk/client-iot) against a running iotcertd: the
// certificate lifecycle and the transfer workflow, with the SDK's paginators, its modeled
// exception classes and their HTTP statuses, and Date timestamps. compat/run.sh starts the
// server and describes it in COMPAT_* variables.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  IoTClient,
  AcceptCertificateTransferCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CancelCertificateTransferCommand,
  CertificateStateException,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  ListCertificatesCommand,
  RegisterCertificateWithoutCACommand,
  RejectCertificateTransferCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TransferAlreadyCompletedException,
  TransferCertificateCommand,
  TransferConflictException,
  UpdateCertificateCommand,
  paginateListCertificates,
  paginateListOutgoingCertificates,
} from "@aws-sdk/client-iot";

for (const v of ["COMPAT_ENDPOINT", "COMPAT_MODE", "COMPAT_FIXTURES"]) {
  if (!process.env[v]) throw new Error(`${v} not set: run this suite through compat/run.sh`);
}
const env = process.env;
const endpoint = env.COMPAT_ENDPOINT;
const mode = env.COMPAT_MODE;
const region = env.COMPAT_REGION || "us-east-1";
const account = (p) => ({ id: env[`COMPAT_${p}_ACCOUNT`], key: env[`COMPAT_${p}_KEY`], secret: env[`COMPAT_${p}_SECRET`] });
const A = account("A");
const B = account("B");
const C = account("C");
const fixture = (name) => readFileSync(join(env.COMPAT_FIXTURES, name), "utf8");
const csrPem = fixture("csr.pem");
const certPem = fixture("selfsigned.pem");
const certId = fixture("selfsigned.sha256").trim();

const POLICY_DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}';
const CERT_ID = /^[0-9a-f]{64}$/;

// One request per call (maxAttempts 1), so a retried error cannot hide the first answer.
function client(acct, r = region) {
  return new IoTClient({
    endpoint,
    region: r,
    credentials: { accessKeyId: acct.key, secretAccessKey: acct.secret },
    maxAttempts: 1,
  });
}

const certArn = (r, acct, id) => `arn:aws:iot:${r}:${acct}:cert/${id}`;

// rejects asserts that the call fails with the modeled exception class and HTTP status.
async function rejects(promise, ExceptionClass, status) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ExceptionClass, `got ${err.name}: ${err.message}, want ${ExceptionClass.name}`);
    assert.equal(err.name, ExceptionClass.name);
    assert.equal(err.$metadata.httpStatusCode, status);
    assert.equal(err.$fault, "client");
    assert.ok(err.message, "error without message");
    assert.ok(err.$metadata.requestId, "error without request ID");
    return true;
  });
}

// recent asserts a parsed timestamp: a Date within a day of now.
function recent(d, what) {
  assert.ok(d instanceof Date, `${what} is ${typeof d}, not a Date`);
  assert.ok(Math.abs(Date.now() - d.getTime()) < 86400e3, `${what} = ${d.toISOString()} is not near now`);
}

async function listIds(cl, input = {}, pageSize = 25) {
  const ids = [];
  for await (const page of paginateListCertificates({ client: cl, pageSize }, input)) {
    ids.push(...page.certificates.map((c) => c.certificateId));
  }
  return ids;
}

async function newInactive(cl) {
  return (await cl.send(new CreateKeysAndCertificateCommand({ setAsActive: false }))).certificateId;
}

async function describeCert(cl, id) {
  return (await cl.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription;
}

describe(`@aws-sdk/client-iot against iotcertd (${mode} mode)`, () => {
  let a, b, c;
  before(() => {
    a = client(A);
    b = client(B);
    c = client(C);
  });

  describe("certificate lifecycle", () => {
    test("CreateKeysAndCertificate and DescribeCertificate", async () => {
      const out = await a.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      assert.match(out.certificateId, CERT_ID);
      assert.equal(out.certificateArn, certArn(region, A.id, out.certificateId));
      assert.match(out.keyPair.PublicKey, /PUBLIC KEY/);
      assert.match(out.keyPair.PrivateKey, /PRIVATE KEY/);
      const der = new X509Certificate(out.certificatePem).raw;
      assert.equal(out.certificateId, createHash("sha256").update(der).digest("hex"));

      const d = await describeCert(a, out.certificateId);
      assert.equal(d.status, "ACTIVE");
      assert.equal(d.ownedBy, A.id);
      assert.equal(d.certificateMode, "DEFAULT");
      assert.equal(d.customerVersion, 1);
      assert.deepEqual(d.transferData, {});
      recent(d.creationDate, "creationDate");
      recent(d.lastModifiedDate, "lastModifiedDate");
      assert.ok(d.validity.notBefore instanceof Date);
      assert.ok(d.validity.notAfter > new Date());
    });

    test("CreateCertificateFromCsr", async () => {
      const first = await a.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem, setAsActive: true }));
      const second = await a.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem }));
      assert.match(first.certificateId, CERT_ID);
      assert.notEqual(first.certificateId, second.certificateId);
      assert.equal((await describeCert(a, first.certificateId)).status, "ACTIVE");
      assert.equal((await describeCert(a, second.certificateId)).status, "INACTIVE");
      await rejects(a.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: "not a CSR" })), InvalidRequestException, 400);
    });

    test("RegisterCertificateWithoutCA", async () => {
      const out = await a.send(new RegisterCertificateWithoutCACommand({ certificatePem: certPem, status: "ACTIVE" }));
      assert.equal(out.certificateId, certId);
      assert.equal(out.certificateArn, certArn(region, A.id, certId));
      const d = await describeCert(a, certId);
      assert.equal(d.status, "ACTIVE");
      assert.equal(d.certificateMode, "SNI_ONLY");
      await assert.rejects(a.send(new RegisterCertificateWithoutCACommand({ certificatePem: certPem })), (err) => {
        assert.ok(err instanceof ResourceAlreadyExistsException, err.name);
        assert.equal(err.$metadata.httpStatusCode, 409);
        assert.equal(err.resourceId, certId);
        return true;
      });
    });

    test("DescribeCertificate of an unknown certificate", async () => {
      await rejects(a.send(new DescribeCertificateCommand({ certificateId: "a".repeat(64) })), ResourceNotFoundException, 404);
    });

    test("UpdateCertificate and DeleteCertificate", async () => {
      const id = (await a.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId;
      const before = await describeCert(a, id);
      await rejects(a.send(new DeleteCertificateCommand({ certificateId: id })), CertificateStateException, 406);
      await a.send(new UpdateCertificateCommand({ certificateId: id, newStatus: "INACTIVE" }));
      const after = await describeCert(a, id);
      assert.equal(after.status, "INACTIVE");
      assert.equal(after.customerVersion, before.customerVersion + 1);
      assert.ok(after.lastModifiedDate >= before.lastModifiedDate);
      await rejects(a.send(new UpdateCertificateCommand({ certificateId: id, newStatus: "PENDING_TRANSFER" })), CertificateStateException, 406);
      await a.send(new DeleteCertificateCommand({ certificateId: id }));
      await rejects(a.send(new DescribeCertificateCommand({ certificateId: id })), ResourceNotFoundException, 404);
    });

    test("ListCertificates paginates to the end", async () => {
      // A region of its own, so that the listing holds exactly what is created here.
      const cl = client(A, "eu-west-1");
      const created = [];
      for (let i = 0; i < 5; i++) created.push(await newInactive(cl));
      const sizes = [];
      const listed = [];
      let last;
      for await (const page of paginateListCertificates({ client: cl, pageSize: 2 }, {})) {
        sizes.push(page.certificates.length);
        listed.push(...page.certificates.map((x) => x.certificateId));
        for (const x of page.certificates) recent(x.creationDate, "certificates[].creationDate");
        last = page;
      }
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.equal(last.nextMarker, undefined);
      assert.deepEqual([...listed].sort(), [...created].sort());
      assert.deepEqual(await listIds(cl, { ascendingOrder: true }, 3), created);
      // Marker by hand.
      const first = await cl.send(new ListCertificatesCommand({ pageSize: 4, ascendingOrder: true }));
      assert.ok(first.nextMarker);
      const rest = await cl.send(new ListCertificatesCommand({ pageSize: 4, ascendingOrder: true, marker: first.nextMarker }));
      assert.deepEqual([...first.certificates, ...rest.certificates].map((x) => x.certificateId), created);
      assert.equal(rest.nextMarker, undefined);
    });
  });

  describe("transfer workflow", () => {
    test("accept", async () => {
      const id = await newInactive(a);
      const targetArn = certArn(region, B.id, id);
      const out = await a.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: B.id, transferMessage: "for B" }));
      assert.equal(out.transferredCertificateArn, targetArn);

      assert.ok((await listIds(b, {}, 1)).includes(id), "the target does not list the pending certificate");
      const pending = await describeCert(b, id);
      assert.equal(pending.status, "PENDING_TRANSFER");
      assert.equal(pending.ownedBy, A.id);
      recent(pending.transferData.transferDate, "transferData.transferDate");
      const outgoing = [];
      for await (const page of paginateListOutgoingCertificates({ client: a, pageSize: 1 }, {})) {
        outgoing.push(...page.outgoingCertificates);
      }
      const mine = outgoing.filter((o) => o.certificateId === id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].transferredTo, B.id);
      assert.equal(mine[0].transferMessage, "for B");
      recent(mine[0].transferDate, "outgoing transferDate");
      await rejects(c.send(new AcceptCertificateTransferCommand({ certificateId: id })), ResourceNotFoundException, 404);

      await b.send(new AcceptCertificateTransferCommand({ certificateId: id, setAsActive: true }));
      const d = await describeCert(b, id);
      assert.equal(d.status, "ACTIVE");
      assert.equal(d.ownedBy, B.id);
      assert.equal(d.previousOwnedBy, A.id);
      assert.equal(d.certificateArn, targetArn);
      recent(d.transferData.acceptDate, "transferData.acceptDate");
      await rejects(a.send(new DescribeCertificateCommand({ certificateId: id })), ResourceNotFoundException, 404);

      await rejects(a.send(new CancelCertificateTransferCommand({ certificateId: id })), TransferAlreadyCompletedException, 410);
      await rejects(b.send(new RejectCertificateTransferCommand({ certificateId: id })), TransferAlreadyCompletedException, 410);
      await rejects(b.send(new AcceptCertificateTransferCommand({ certificateId: id })), TransferAlreadyCompletedException, 410);
    });

    test("reject", async () => {
      const id = await newInactive(a);
      await a.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: B.id }));
      await b.send(new RejectCertificateTransferCommand({ certificateId: id, rejectReason: "not ours" }));
      const d = await describeCert(a, id);
      assert.equal(d.status, "INACTIVE");
      assert.equal(d.ownedBy, A.id);
      assert.equal(d.transferData.rejectReason, "not ours");
      recent(d.transferData.rejectDate, "transferData.rejectDate");
      assert.equal(d.transferData.acceptDate, undefined);
      await rejects(b.send(new DescribeCertificateCommand({ certificateId: id })), ResourceNotFoundException, 404);
    });

    test("cancel", async () => {
      const id = await newInactive(a);
      await a.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: B.id, transferMessage: "oops" }));
      await a.send(new CancelCertificateTransferCommand({ certificateId: id }));
      const d = await describeCert(a, id);
      assert.equal(d.status, "INACTIVE");
      assert.equal(d.ownedBy, A.id);
      await rejects(b.send(new AcceptCertificateTransferCommand({ certificateId: id })), ResourceNotFoundException, 404);
    });

    test("errors", async () => {
      const active = (await a.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId;
      await rejects(a.send(new TransferCertificateCommand({ certificateId: active, targetAwsAccount: B.id })), CertificateStateException, 406);

      const id = await newInactive(a);
      const arn = certArn(region, A.id, id);
      await a.send(new CreatePolicyCommand({ policyName: "compat-js-transfer", policyDocument: POLICY_DOC }));
      await a.send(new AttachPolicyCommand({ policyName: "compat-js-transfer", target: arn }));
      await rejects(a.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: B.id })), TransferConflictException, 409);
      await a.send(new DetachPolicyCommand({ policyName: "compat-js-transfer", target: arn }));
      await a.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: B.id }));

      // The JavaScript SDK validates nothing client-side: the server refuses a 63-character ID.
      await rejects(a.send(new TransferCertificateCommand({ certificateId: id.slice(0, 63), targetAwsAccount: B.id })), InvalidRequestException, 400);
    });

    test("error paths", async () => {
      const transfer = (cl, id, to) => cl.send(new TransferCertificateCommand({ certificateId: id, targetAwsAccount: to }));
      const accept = (cl, id) => cl.send(new AcceptCertificateTransferCommand({ certificateId: id }));
      const reject = (cl, id) => cl.send(new RejectCertificateTransferCommand({ certificateId: id }));
      const cancel = (cl, id) => cl.send(new CancelCertificateTransferCommand({ certificateId: id }));

      // A thing attached: TransferConflict (409).
      const id = await newInactive(a);
      const arn = certArn(region, A.id, id);
      await a.send(new CreateThingCommand({ thingName: "compat-js-transfer" }));
      await a.send(new AttachThingPrincipalCommand({ thingName: "compat-js-transfer", principal: arn }));
      await rejects(transfer(a, id, B.id), TransferConflictException, 409);
      await a.send(new DetachThingPrincipalCommand({ thingName: "compat-js-transfer", principal: arn }));

      // A revoked certificate: CertificateState (406).
      const revoked = await newInactive(a);
      await a.send(new UpdateCertificateCommand({ certificateId: revoked, newStatus: "REVOKED" }));
      await rejects(transfer(a, revoked, B.id), CertificateStateException, 406);

      // To the owning account: InvalidRequest (400).
      await rejects(transfer(a, id, A.id), InvalidRequestException, 400);

      // Nothing pending: the owner gets InvalidRequest (400), another account 404.
      for (const op of [accept, reject, cancel]) await rejects(op(a, id), InvalidRequestException, 400);
      await rejects(accept(b, id), ResourceNotFoundException, 404);

      await transfer(a, id, B.id);
      // Already pending: CertificateState (406).
      await rejects(transfer(a, id, B.id), CertificateStateException, 406);
      // Update and delete while pending, by either party: CertificateState (406).
      for (const cl of [a, b]) {
        await rejects(cl.send(new UpdateCertificateCommand({ certificateId: id, newStatus: "ACTIVE" })), CertificateStateException, 406);
        await rejects(cl.send(new DeleteCertificateCommand({ certificateId: id })), CertificateStateException, 406);
      }
      // A third account can neither reject nor cancel what it cannot see (404); each party
      // only its own step (400).
      await rejects(reject(c, id), ResourceNotFoundException, 404);
      await rejects(cancel(c, id), ResourceNotFoundException, 404);
      await rejects(accept(a, id), InvalidRequestException, 400);
      await rejects(cancel(b, id), InvalidRequestException, 400);
      // Untouched by all that: still pending, and B can still accept.
      assert.equal((await describeCert(b, id)).status, "PENDING_TRANSFER");
      await accept(b, id);
      assert.equal((await describeCert(b, id)).ownedBy, B.id);
    });
  });

  describe("accounts", () => {
    if (mode === "emulator") {
      test("a key that is not 12 digits is moto's default account 123456789012", async () => {
        const cl = client({ key: "testing", secret: "testing" });
        const out = await cl.send(new CreateKeysAndCertificateCommand({}));
        assert.equal(out.certificateArn, certArn(region, "123456789012", out.certificateId));
      });
      test("any secret is accepted", async () => {
        const cl = client({ key: A.key, secret: `${A.secret}x` });
        assert.ok(Array.isArray((await cl.send(new ListCertificatesCommand({}))).certificates));
      });
    } else {
      // The SDK has no modeled class for these front-end errors: a generic service
      // exception with the name and status.
      const refused = async (acct, name) => {
        await assert.rejects(client(acct).send(new ListCertificatesCommand({})), (err) => {
          assert.equal(err.name, name);
          assert.equal(err.$metadata.httpStatusCode, 403);
          return true;
        });
      };
      test("an unknown access key is refused with 403", async () => {
        await refused({ key: "AKIAUNKNOWNKEY000000", secret: "testing" }, "UnrecognizedClientException");
      });
      test("a wrong secret is refused with 403", async () => {
        await refused({ key: A.key, secret: `${A.secret}x` }, "InvalidSignatureException");
      });
    }
  });

  // Last, since it clears the server: moto's unsigned POST /moto-api/reset.
  describe("moto reset", () => {
    test(mode === "emulator" ? "clears every account" : "is refused in strict mode", async () => {
      await newInactive(a);
      const resp = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (mode === "emulator") {
        assert.equal(resp.status, 200);
        assert.deepEqual(await resp.json(), { status: "ok" });
        assert.deepEqual(await listIds(a), []);
        assert.deepEqual(await listIds(b), []);
      } else {
        assert.equal(resp.status, 403);
        assert.ok((await listIds(a)).length > 0);
      }
    });
  });
});
