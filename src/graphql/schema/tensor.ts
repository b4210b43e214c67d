// Tensor: one named array inside a file, with its layout, and the queries that list and find tensors.
import { DTYPES, type DType } from '../../tensor/dtype.ts';
import { isStoreCid } from '../../store/cid.ts';
import { builder } from '../builder.ts';
import { connectionOf, pageMultiplier, pageSize } from '../pages.ts';
import { pageArgs } from './page-args.ts';
import { guard } from '../translate.ts';
import { TensorFileRef, TensorRef } from './refs.ts';

export const DTypeEnum = builder.enumType('DType', {
  description: 'Element types of the safetensors spec (NumPy .npy files map onto them).',
  values: Object.fromEntries(DTYPES.map((d) => [d, { value: d }])) as Record<DType, { value: DType }>,
});

export const Tensor = builder.node(TensorRef, {
  description: 'A named tensor inside a file. Byte offsets are absolute in the file.',
  // The local id is `<cid>/<name>`: a CID never holds '/', so the first one splits it.
  id: { resolve: (tensor) => `${tensor.cid}/${tensor.name}` },
  loadOne: (id, ctx) => {
    const slash = id.indexOf('/');
    const cid = id.slice(0, slash);
    if (slash < 0 || !isStoreCid(cid)) return null;
    return ctx.store.getTensor(cid, id.slice(slash + 1));
  },
  fields: (t) => ({
    cid: t.expose('cid', { type: 'CID', description: 'The CID of the file holding the tensor.' }),
    name: t.exposeString('name'),
    dtype: t.expose('dtype', { type: DTypeEnum }),
    shape: t.expose('shape', { type: ['SafeInt'] }),
    strides: t.expose('strides', { type: ['SafeInt'], description: 'In elements, not bytes.' }),
    elementCount: t.expose('elementCount', { type: 'SafeInt' }),
    byteOffset: t.expose('byteOffset', { type: 'SafeInt', description: 'Of the first byte, from the start of the file.' }),
    byteLength: t.expose('byteLength', { type: 'SafeInt' }),
    littleEndian: t.exposeBoolean('littleEndian'),
    fortranOrder: t.exposeBoolean('fortranOrder', { description: 'Stored column-major (a .npy with fortran_order).' }),
    file: t.field({
      type: TensorFileRef,
      resolve: (tensor, _args, ctx) => {
        const file = ctx.store.getFile(tensor.cid);
        // The file was deleted while this request ran: an unexpected state, masked and logged.
        if (!file) throw new Error(`tensor ${tensor.name} of ${tensor.cid} has no file`);
        return file;
      },
    }),
  }),
});

export const TensorConnection = builder.connectionObject({ type: Tensor, name: 'TensorConnection' }, { name: 'TensorEdge' });

const TensorFilter = builder.inputType('TensorFilter', {
  description: 'All given conditions must hold.',
  fields: (t) => ({
    namePrefix: t.string({ description: 'Tensor names starting with this (case-sensitive).' }),
    dtype: t.field({ type: DTypeEnum }),
    cid: t.field({ type: 'CID', description: 'Only the tensors of this file.' }),
  }),
});

builder.queryFields((t) => ({
  tensors: t.field({
    type: TensorConnection,
    description: 'Tensors of every file, ordered by name, then by file CID.',
    args: { ...pageArgs(t), filter: t.arg({ type: TensorFilter }) },
    complexity: (args, ctx) => ({ field: 1, multiplier: pageMultiplier(args, ctx.config) }),
    resolve: (_root, args, ctx) => {
      const first = pageSize(args, ctx.config);
      const filter = { namePrefix: args.filter?.namePrefix ?? null, dtype: args.filter?.dtype ?? null, cid: args.filter?.cid ?? null };
      return connectionOf(guard(() => ctx.store.listTensors({ first, after: args.after, filter }), { argument: 'after' }));
    },
  }),
  tensor: t.field({
    type: Tensor,
    nullable: true,
    description: 'The tensor `name` of the file `cid`, or null. The name may be left out for a .npy or raw file (one tensor).',
    args: { cid: t.arg({ type: 'CID', required: true }), name: t.arg.string() },
    resolve: (_root, { cid, name }, ctx) => guard(() => ctx.store.getTensor(cid, name), { argument: 'name' }),
  }),
}));
