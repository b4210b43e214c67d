// The schema: every type file registers itself on the builder; importing them in this order builds it.
import { builder } from '../builder.ts';
import './root.ts';
import './errors.ts';
import './refs.ts';
import './connection.ts';
import './download-link.ts';
import './tensor.ts';
import './tensor-file.ts';
import './slice.ts';
import './byte-range.ts';
import './cache.ts';
import './token.ts';

export const schema = builder.toSchema();
