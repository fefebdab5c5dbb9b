import { makeExecutableSchema } from '@graphql-tools/schema';
import type { FastifyInstance } from 'fastify';
import { execute, GraphQLError, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { z } from 'zod';
import { DomainError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { httpStatusOf, withReason } from '../errors.js';
import { requireViewer, baseUrlOf } from '../request-context.js';
import { resolvers, type GqlContext } from './resolvers.js';
import { typeDefs } from './schema.js';
import { assertAffordable } from './query-cost.js';
import { alertResolvers } from './alert-resolvers.js';
import { alertTypeDefs } from './alert-schema.js';
import { artifactResolvers } from './artifact-resolvers.js';
import { artifactTypeDefs } from './artifact-schema.js';
import { orgResolvers } from './org-resolvers.js';
import { orgTypeDefs } from './org-schema.js';
import { promotionResolvers } from './promotion-resolvers.js';
import { promotionTypeDefs } from './promotion-schema.js';
import { registryResolvers } from './registry-resolvers.js';
import { registryTypeDefs } from './registry-schema.js';
import { reportResolvers } from './report-resolvers.js';
import { reportTypeDefs } from './report-schema.js';

const GraphQLRequest = z.object({
  query: z.string().min(1, 'query is empty'),
  variables: z.record(z.string(), z.unknown()).nullish(),
  // genqlient sends "" when it has no name (protocol §1.3): treat it as absent.
  operationName: z.string().nullish().transform((v) => (v ? v : undefined)),
});

const MAX_DOCUMENT_CACHE = 500;

/** POST /graphql: auth first (401 before any parsing), then parse/validate/execute with graphql-js. */
export function registerGraphqlRoute(app: FastifyInstance, services: Services, publicUrl: string | undefined) {
  const schema = makeExecutableSchema({
    typeDefs: [typeDefs, artifactTypeDefs, orgTypeDefs, promotionTypeDefs, registryTypeDefs, alertTypeDefs, reportTypeDefs],
    // registryResolvers comes after the resolvers it extends (upsertModel, Entity.projects, Project.artifactTypes/access).
    resolvers: [resolvers, artifactResolvers, orgResolvers, promotionResolvers, registryResolvers, alertResolvers, reportResolvers],
  });
  // The SDK sends the same few documents over and over: parse and validate each once.
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const documentFor = (query: string) => {
    let doc = documents.get(query);
    if (doc === undefined) {
      try {
        const parsed = parse(query);
        const errors = validate(schema, parsed, specifiedRules);
        doc = errors.length > 0 ? errors : parsed;
      } catch (e) {
        doc = [e instanceof GraphQLError ? e : new GraphQLError(String(e))];
      }
      if (documents.size >= MAX_DOCUMENT_CACHE) documents.clear();
      documents.set(query, doc);
    }
    return doc;
  };

  app.post('/graphql', { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    const viewer = await requireViewer(request, services);
    const body = GraphQLRequest.safeParse(request.body);
    if (!body.success) {
      const message = `invalid GraphQL request: ${body.error.issues[0]?.message ?? ''}`;
      return withReason(reply.code(400), message).send({ errors: [{ message }] });
    }
    const doc = documentFor(body.data.query);
    if (Array.isArray(doc)) {
      const errors = doc as readonly GraphQLError[];
      return withReason(reply.code(400), errors[0]?.message).send({ errors: errors.map((e) => e.toJSON()) });
    }
    assertAffordable(schema, doc as DocumentNode, body.data.operationName, body.data.variables ?? {});
    const headers = request.headers;
    const contextValue: GqlContext = {
      viewer, services, baseUrl: baseUrlOf(request, publicUrl),
      sharedMode: String(headers['x-wandb-use-async-filestream'] ?? '').toLowerCase() === 'true',
    };
    const result = await execute({
      schema, document: doc as DocumentNode, variableValues: body.data.variables ?? {},
      operationName: body.data.operationName, contextValue,
    });
    if (result.errors?.length) {
      const domain = result.errors.map((e) => e.originalError).find((e): e is DomainError => e instanceof DomainError);
      // Variable coercion and similar request errors arrive as GraphQLErrors: the client's fault, not ours.
      const isBug = (e: GraphQLError) => e.originalError !== undefined && !(e.originalError instanceof DomainError)
        && !(e.originalError instanceof GraphQLError);
      const unexpected = result.errors.find(isBug);
      if (unexpected) request.log.error({ err: unexpected.originalError }, 'GraphQL resolver failed');
      const status = domain ? httpStatusOf(domain) : unexpected ? 500 : 400;
      return withReason(reply.code(status), domain?.message).send({
        data: result.data ?? null,
        errors: result.errors.map((e) => (isBug(e) ? { message: 'internal server error', path: e.path } : e.toJSON())),
      });
    }
    return reply.send(result);
  });
}
