/**
 * The routes the fake serves, named by their `@immich/sdk` function (a renamed SDK function fails compilation),
 * with the API-key permission each needs (immich.md §1, §2; `x-immich-permission` in Immich's OpenAPI spec).
 */
import { Permission } from '@immich/sdk';
import type * as Sdk from '@immich/sdk';

export const OPERATIONS = [
  'pingServer',
  'getServerVersion',
  'getServerFeatures',
  'getServerConfig',
  'getMyApiKey',
  'getMyUser',
  'searchAssets',
  'getAssetInfo',
  'viewAsset',
  'getFaces',
  'createFace',
  'reassignFacesById',
  'deleteFace',
  'getAllPeople',
  'searchPerson',
  'getPerson',
  'createPerson',
  'updatePerson',
  'mergePersonLegacy',
  'mergePeople',
  'deletePerson',
  'getPersonThumbnail',
  'upsertTags',
  'bulkTagAssets',
  'tagAssets',
  'untagAssets',
  'getAllTags',
] as const satisfies readonly (keyof typeof Sdk)[];

export type OperationName = (typeof OPERATIONS)[number];

/** 'public': no key needed; 'key': any valid key; otherwise the permission the key must hold (or `all`). */
export type Access = 'public' | 'key' | Permission;

export const ACCESS: Record<OperationName, Access> = {
  pingServer: 'public',
  getServerVersion: 'public',
  getServerFeatures: 'public',
  getServerConfig: 'public',
  getMyApiKey: 'key',
  getMyUser: Permission.UserRead,
  searchAssets: Permission.AssetRead,
  getAssetInfo: Permission.AssetRead,
  viewAsset: Permission.AssetView,
  getFaces: Permission.FaceRead,
  createFace: Permission.FaceCreate,
  reassignFacesById: Permission.FaceUpdate,
  deleteFace: Permission.FaceDelete,
  getAllPeople: Permission.PersonRead,
  searchPerson: Permission.PersonRead,
  getPerson: Permission.PersonRead,
  createPerson: Permission.PersonCreate,
  updatePerson: Permission.PersonUpdate,
  mergePersonLegacy: Permission.PersonMerge,
  mergePeople: Permission.PersonMerge,
  deletePerson: Permission.PersonDelete,
  getPersonThumbnail: Permission.PersonRead,
  upsertTags: Permission.TagCreate,
  bulkTagAssets: Permission.TagAsset,
  tagAssets: Permission.TagAsset,
  untagAssets: Permission.TagAsset,
  getAllTags: Permission.TagRead,
};

/** Operations that change Immich's state (`searchAssets` is a POST but reads). */
export const WRITE_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'createFace',
  'reassignFacesById',
  'deleteFace',
  'createPerson',
  'updatePerson',
  'mergePersonLegacy',
  'mergePeople',
  'deletePerson',
  'upsertTags',
  'bulkTagAssets',
  'tagAssets',
  'untagAssets',
]);

/** What a sidecar key needs (immich.md §2f): read side, write side and the optional tag/person.delete ones. */
export const SIDECAR_PERMISSIONS: readonly Permission[] = [
  Permission.AssetRead,
  Permission.AssetView,
  Permission.FaceRead,
  Permission.PersonRead,
  Permission.UserRead,
  Permission.FaceCreate,
  Permission.FaceUpdate,
  Permission.FaceDelete,
  Permission.PersonCreate,
  Permission.PersonUpdate,
  Permission.PersonMerge,
  Permission.PersonReassign,
  Permission.PersonDelete,
  Permission.TagRead,
  Permission.TagCreate,
  Permission.TagAsset,
];
