import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BLOB_KEY_ROOTS, type BlobInfo, type BlobMultipart, type BlobStore, type PresignOptions, type ReferencedObject } from '../core/ports.js';
import { DomainError, ErrorCodes } from '../core/errors.js';
import { normalBlobKey } from './keys.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Any S3-compatible endpoint (http://127.0.0.1:7070); unset = AWS's own for `region`. */
  endpoint?: string;
  /** Endpoint written into presigned URLs when clients reach the store at another address than Cairn does. */
  publicEndpoint?: string;
  region: string;
  /** bucket in the path (http://host/bucket/key), as most self-hosted stores need, not in the host name. */
  forcePathStyle: boolean;
  /** Unset = the AWS SDK's default chain (AWS_ACCESS_KEY_ID/…, ~/.aws, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Folder inside the bucket that holds every key ('' = the bucket's root). */
  prefix?: string;
  /** Bodies larger than this go up as S3 multipart uploads of parts this big (S3's minimum part is 5 MiB; default 8). */
  partSizeBytes?: number;
}

/** User metadata holding the object's base64 MD5 (S3's ETag is no MD5 for multipart uploads). */
const MD5_META = 'cairn-md5';
const MIB = 1024 * 1024;
/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const md5Of = (b: Buffer) => createHash('md5').update(b).digest('base64');

function s3ErrorName(e: unknown): string | null {
  if (e instanceof S3ServiceException) return e.name;
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : null;
}
function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}
const isNotFound = (e: unknown) => ['NoSuchKey', 'NotFound'].includes(s3ErrorName(e) ?? '') || httpStatus(e) === 404;

/** Permanent refusals caused by the request become 4xx; anything else (network, 5xx) stays retryable. */
function mapError(e: unknown, key: string): unknown {
  if (e instanceof DomainError) return e;
  switch (s3ErrorName(e)) {
    case 'KeyTooLongError':
      return new DomainError(ErrorCodes.INVALID_INPUT, `blob key too long for the object store: ${JSON.stringify(key)}`);
    case 'NoSuchUpload':
      return new DomainError(ErrorCodes.NOT_FOUND, `no such multipart upload for ${key}`);
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
      return new DomainError(ErrorCodes.INVALID_INPUT, `multipart upload of ${key} cannot be completed: ${(e as Error).message}`);
    // posix-backed stores refuse "a/b" beside an object "a", as the fs adapter does.
    case 'ObjectParentIsFile':
    case 'ExistingObjectIsDirectory':
      return new DomainError(ErrorCodes.CONFLICT, `blob key ${JSON.stringify(key)} clashes with another blob's path`);
    default:
      return e;
  }
}

/**
 * Blobs as objects in one S3 bucket (any S3-compatible store). Puts stream: bodies up to one part are sent as
 * one PutObject, larger ones as a multipart upload, one part in memory at a time (no whole-object buffering), every part with its
 * Content-MD5 so the store checks what it received. Size and MD5 expectations are checked before the
 * object is committed (PutObject sent, or multipart completed): a failed check leaves nothing behind and
 * keeps the previous object. Hands out presigned URLs so clients can move bytes without Cairn.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  /** Signs URLs with the public endpoint; the same client when there is none. */
  private readonly presigner: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  readonly multipart: BlobMultipart;

  constructor(options: S3BlobStoreOptions) {
    const base = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: our puts carry Content-MD5, and many S3-compatible stores (and
      // every presigned URL's client) know nothing of the newer CRC trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    };
    this.client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.presigner = options.publicEndpoint ? new S3Client({ ...base, endpoint: options.publicEndpoint }) : this.client;
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.partSize = Math.max(5 * MIB, options.partSizeBytes ?? 8 * MIB);
    this.multipart = this.directMultipart();
  }

  /**
   * S3 allows 10,000 parts: the part size doubles every 1,000 parts, so memory stays at one small part for
   * ordinary files and an 8 MiB start still reaches past S3's 5 TiB object limit.
   */
  private partSizeAt(partNumber: number): number {
    return this.partSize * 2 ** Math.floor((partNumber - 1) / 1000);
  }

  private objectKey(key: string): string {
    return this.prefix + normalBlobKey(key);
  }

  async put(key: string, body: Readable, expect?: { size?: number; md5?: string }): Promise<BlobInfo> {
    const Key = this.objectKey(key);
    const md5 = createHash('md5');
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];
    const sendPart = async (data: Buffer) => {
      if (uploadId === undefined) {
        const created = await this.client.send(new CreateMultipartUploadCommand({
          Bucket: this.bucket, Key,
          // The MD5 is known up front only when the caller expects one; otherwise head() derives it.
          ...(expect?.md5 !== undefined ? { Metadata: { [MD5_META]: expect.md5 } } : {}),
        }));
        uploadId = created.UploadId!;
      }
      const PartNumber = parts.length + 1;
      const out = await this.client.send(new UploadPartCommand({
        Bucket: this.bucket, Key, UploadId: uploadId, PartNumber, Body: data, ContentLength: data.length, ContentMD5: md5Of(data),
      }));
      parts.push({ PartNumber, ETag: out.ETag });
    };
    try {
      for await (const chunk of body) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        md5.update(buf);
        size += buf.length;
        if (expect?.size !== undefined && size > expect.size) {
          throw new DomainError(ErrorCodes.INVALID_INPUT, `size mismatch: expected ${expect.size} bytes, got more`);
        }
        pending.push(buf);
        pendingBytes += buf.length;
        for (let partBytes = this.partSizeAt(parts.length + 1); pendingBytes >= partBytes; partBytes = this.partSizeAt(parts.length + 1)) {
          const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          await sendPart(all.subarray(0, partBytes));
          const rest = all.subarray(partBytes);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      }
      const info = { size, md5: md5.digest('base64') };
      if (expect?.size !== undefined && expect.size !== info.size) {
        throw new DomainError(ErrorCodes.INVALID_INPUT, `size mismatch: expected ${expect.size} bytes, got ${info.size}`);
      }
      if (expect?.md5 !== undefined && expect.md5 !== info.md5) {
        throw new DomainError(ErrorCodes.INVALID_INPUT, `MD5 mismatch: expected ${expect.md5}, got ${info.md5}`);
      }
      if (uploadId === undefined) {
        await this.client.send(new PutObjectCommand({
          Bucket: this.bucket, Key, Body: Buffer.concat(pending), ContentLength: info.size, ContentMD5: info.md5,
          Metadata: { [MD5_META]: info.md5 },
        }));
      } else {
        if (pendingBytes > 0) await sendPart(Buffer.concat(pending));
        await this.client.send(new CompleteMultipartUploadCommand({
          Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts },
        }));
        uploadId = undefined;
      }
      return info;
    } catch (e) {
      if (uploadId !== undefined) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })).catch(() => {});
      }
      throw mapError(e, key);
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({
        Bucket: this.bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
      }));
      return out.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new DomainError(ErrorCodes.NOT_FOUND, `blob not found: ${key}`);
      // A range that starts at or past the end (always so for an empty object) reads nothing, as in the fs adapter.
      if (range && (s3ErrorName(e) === 'InvalidRange' || httpStatus(e) === 416)) return Readable.from([]);
      throw mapError(e, key);
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    const Key = this.objectKey(key);
    let out;
    try {
      out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw mapError(e, key);
    }
    const size = out.ContentLength ?? 0;
    const recorded = out.Metadata?.[MD5_META];
    if (recorded) return { size, md5: recorded };
    // Objects put without our metadata (presigned PUTs without an MD5): a single-part ETag is the hex MD5 of
    // the bytes unless the store encrypted them with KMS or a customer key.
    const etag = /^"?([0-9a-f]{32})"?$/.exec(out.ETag ?? '');
    if (etag && !out.SSECustomerAlgorithm && out.ServerSideEncryption !== 'aws:kms' && out.ServerSideEncryption !== 'aws:kms:dsse') {
      return { size, md5: Buffer.from(etag[1]!, 'hex').toString('base64') };
    }
    // Otherwise (a multipart upload of unknown MD5) the only way is to read it.
    const hash = createHash('md5');
    for await (const chunk of await this.get(key)) hash.update(chunk as Buffer);
    return { size, md5: hash.digest('base64') };
  }

  /**
   * `s3://<this bucket>/<key>`, as the wandb SDK writes references (the key raw, no query). Keys under Cairn's own
   * prefix are Cairn's blobs, not a user's objects: not looked at, so a reference cannot probe them.
   */
  async statReference(uri: string, versionId?: string): Promise<ReferencedObject | 'missing' | null> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/s.exec(uri);
    if (!m || m[1] !== this.bucket) return null;
    const Key = m[2]!;
    // Cairn's own objects are not references: under its prefix, or (no prefix) under its key folders.
    if (this.prefix !== '' ? Key.startsWith(this.prefix) : BLOB_KEY_ROOTS.includes(Key.split('/', 1)[0]!)) return null;
    let out;
    try {
      out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, ...(versionId ? { VersionId: versionId } : {}) }));
    } catch (e) {
      if (isNotFound(e)) return 'missing';
      // Cairn's credentials may not read every key of its bucket: then it is not Cairn's to check.
      if (httpStatus(e) === 403 || s3ErrorName(e) === 'AccessDenied') return null;
      throw e;
    }
    return { etag: (out.ETag ?? '').replace(/^"|"$/g, ''), size: out.ContentLength ?? 0, versionId: out.VersionId && out.VersionId !== 'null' ? out.VersionId : null };
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw mapError(e, key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) if (o.Key !== undefined) yield o.Key.slice(this.prefix.length);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async presignedUrl(key: string, method: 'GET' | 'PUT', expiresSec: number, opts: PresignOptions = {}): Promise<string> {
    const Key = this.objectKey(key);
    const expiresIn = Math.min(Math.max(1, Math.floor(expiresSec)), MAX_PRESIGN_SECONDS);
    if (method === 'GET') {
      const disposition = opts.downloadName ? `attachment; filename*=UTF-8''${encodeURIComponent(opts.downloadName)}` : undefined;
      return getSignedUrl(this.presigner, new GetObjectCommand({
        Bucket: this.bucket, Key, ...(disposition ? { ResponseContentDisposition: disposition } : {}),
      }), { expiresIn });
    }
    // With an MD5, Content-MD5 is a signed header (the store refuses other bytes) and the MD5 rides along as
    // metadata in the query string, so head() knows it without reading the object.
    return getSignedUrl(this.presigner, new PutObjectCommand({
      Bucket: this.bucket, Key,
      ...(opts.contentMd5 ? { ContentMD5: opts.contentMd5, Metadata: { [MD5_META]: opts.contentMd5 } } : {}),
    }), { expiresIn });
  }

  private directMultipart(): BlobMultipart {
    const Bucket = this.bucket;
    return {
      start: async (key, md5) => {
        const Key = this.objectKey(key);
        try {
          const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key, Metadata: { [MD5_META]: md5 } }));
          return out.UploadId!;
        } catch (e) {
          throw mapError(e, key);
        }
      },
      partUrl: async (key, uploadId, partNumber, expiresSec, opts = {}) => {
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
          throw new DomainError(ErrorCodes.INVALID_INPUT, `multipart part number must be 1..10000, got ${partNumber}`);
        }
        const expiresIn = Math.min(Math.max(1, Math.floor(expiresSec)), MAX_PRESIGN_SECONDS);
        return getSignedUrl(this.presigner, new UploadPartCommand({
          Bucket, Key: this.objectKey(key), UploadId: uploadId, PartNumber: partNumber,
          ...(opts.contentMd5 ? { ContentMD5: opts.contentMd5 } : {}),
        }), { expiresIn });
      },
      complete: async (key, uploadId, parts) => {
        const Key = this.objectKey(key);
        const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
        try {
          await this.client.send(new CompleteMultipartUploadCommand({
            Bucket, Key, UploadId: uploadId,
            MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag.startsWith('"') ? p.etag : `"${p.etag}"` })) },
          }));
        } catch (e) {
          throw mapError(e, key);
        }
        const info = await this.head(key);
        if (!info) throw new DomainError(ErrorCodes.NOT_FOUND, `blob not found after completing its upload: ${key}`);
        return info;
      },
      abort: async (key, uploadId) => {
        const Key = this.objectKey(key);
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }));
        } catch (e) {
          if (s3ErrorName(e) === 'NoSuchUpload' || isNotFound(e)) return;
          throw mapError(e, key);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}
