import {
  getNamedType, isObjectType, isInterfaceType, Kind, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { invalidInput } from '../../core/errors.js';

/**
 * Most field resolutions one request may ask for. Connections nest (project → runs → project → runs …),
 * so a small document can fan out exponentially and hold the server for hours. The SDK's largest queries
 * (a page of 1000 runs with all their fields) cost well under this.
 */
export const MAX_QUERY_COST = 500_000;
export const MAX_QUERY_DEPTH = 40;
/** Page size a connection is charged when the query gives no `first` (the resolvers' default is 50). */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/**
 * Rejects (400) an operation that would resolve more than MAX_QUERY_COST fields: each field costs the
 * product of the page sizes of the connections above it. Runs on a validated document, so fragments are
 * acyclic and every field exists.
 */
export function assertAffordable(
  schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>,
): void {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return; // execute() answers the unknown/ambiguous operation itself
  const fragments = new Map(document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((f) => [f.name.value, f]));
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'query' ? schema.getQueryType() : null;
  if (!root) return;

  let cost = 0;
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, multiplier: number, depth: number) => {
    if (depth > MAX_QUERY_DEPTH) throw invalidInput(`query is nested too deeply (over ${MAX_QUERY_DEPTH} levels)`);
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += multiplier;
        if (cost > MAX_QUERY_COST) {
          throw invalidInput(`query asks for too much at once (over ${MAX_QUERY_COST} fields): use smaller pages or fewer nested connections`);
        }
        if (!selection.selectionSet || selection.name.value.startsWith('__')) continue;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        const type = getNamedType(field.type) as GraphQLCompositeType;
        const pages = type.name.endsWith('Connection') ? pageSize(selection, variables) : 1;
        walk(selection.selectionSet, type, multiplier * pages, depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType : parent;
        walk(selection.selectionSet, type ?? parent, multiplier, depth + 1);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue;
        const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
        walk(fragment.selectionSet, type ?? parent, multiplier, depth + 1);
      }
    }
  };
  walk(operation.selectionSet, root, 1, 0);
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULT_PAGE;
  return Math.min(Math.max(Math.floor(value), 1), MAX_PAGE);
}
