// Refs of the types that point at each other (Tensor.file, TensorFile.tensors), implemented in their own files.
import type { FileRecord, TensorRecord } from '../../store/types.ts';
import { builder } from '../builder.ts';

export const TensorFileRef = builder.objectRef<FileRecord>('TensorFile');
export const TensorRef = builder.objectRef<TensorRecord>('Tensor');
