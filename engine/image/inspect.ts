/**
 * The docker-shaped `image inspect` object (docker's field names, which scripts template against), plus
 * podman's extra fields (Digest, ManifestType, Labels, User, History).
 */
import type { ImageRecord } from '../../storage/image-store.ts';
import type { ImageConfig } from './manifest.ts';

export interface ImageInspect {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Config: Record<string, unknown>;
  Version: string;
  Author: string;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  Labels: Record<string, string> | null;
  ManifestType: string;
  User: string;
  History: unknown[];
}

export function toImageInspect(img: ImageRecord, config: ImageConfig, layerPaths: readonly string[]): ImageInspect {
  const c = config.config ?? {};
  const out: ImageInspect = {
    Id: `sha256:${img.id}`,
    Digest: img.manifestDigest,
    RepoTags: [...img.tags],
    RepoDigests: [...img.digests],
    Parent: '',
    Comment: typeof config.comment === 'string' ? config.comment : '',
    Created: config.created ?? '0001-01-01T00:00:00Z',
    Config: { ...c },
    Version: '',
    Author: typeof config.author === 'string' ? config.author : '',
    Architecture: config.architecture,
    Os: config.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: {
      Name: 'overlay',
      Data: layerPaths.length === 0 ? {} : {
        UpperDir: layerPaths[layerPaths.length - 1]!,
        ...(layerPaths.length > 1 ? { LowerDir: layerPaths.slice(0, -1).reverse().join(':') } : {}),
      },
    },
    RootFS: { Type: 'layers', Layers: [...img.layers] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    Labels: c.Labels ?? null,
    ManifestType: img.manifestMediaType,
    User: c.User ?? '',
    History: config.history ?? [],
  };
  if (config.variant !== undefined) out.Variant = config.variant;
  return out;
}
