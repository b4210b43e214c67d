// `ipfrs-interface/client`: what a frontend needs, with no server code. The generated typed documents and their
// result types (src/client/, made by `npm run codegen`), Apollo's possibleTypes for the schema's unions and
// interfaces (without it InMemoryCache cannot match `... on Error` and drops the code and message of error
// members), and the scalars map for a frontend's own codegen.
import introspection, { type PossibleTypesResultData } from '../client/possible-types.ts';

export * from '../client/graphql.ts';
export { scalars } from './scalars.ts';
export type { PossibleTypesResultData };

/** `new InMemoryCache({ possibleTypes })`: each union and interface with the object types that belong to it. */
export const possibleTypes: PossibleTypesResultData['possibleTypes'] = introspection.possibleTypes;
