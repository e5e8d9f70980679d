/**
 * tsengine's public API: the only module reachable from outside the package (package.json `exports`).
 */
export { Engine } from './engine.ts';
export type { EngineOptions, RegistryOptions } from './options.ts';
export { CodedError, EngineError, isEngineError, StorageError, type EngineErrorCode } from './errors.ts';
export type { Images, ImageSummary, PullResult, RemoveReport } from './image/images.ts';
export type { ImageInspect } from './image/inspect.ts';
export type { PullEvent, PullOptions, LayerPhase } from './image/pull.ts';
export type { Credentials } from './registry/client.ts';
export type { Digest } from '../storage/digest.ts';
export type { Containers, ContainerSummary, ExitStatus } from './container/containers.ts';
export type { PortMapping } from './container/ports.ts';
export type { AttachStream, OutputChunk } from './container/attach-stream.ts';
export type { ExecOptions, ExecSession } from './container/exec.ts';
export type { StartOptions } from './container/start.ts';
export type { CreateOptions, NetworkMode } from './container/options.ts';
export type { ContainerInspect } from './container/inspect.ts';
export type { Volumes, VolumeInspect, VolumeSummary } from './volume/volumes.ts';
export type { MountCreateOptions } from './container/options-mounts.ts';
export { rootlessLimitWarnings } from './container/resources.ts';
export type { LogRecord } from './container/logs.ts';
export type { StartResult } from './container/start.ts';
export type { PullPolicy, RunOptions, RunResult } from './run.ts';
export type { Conformance } from './runtime/conformance/conformance.ts';
export type { CaseResult, CaseStatus, CheckOptions, CheckPlan, CheckReport } from './runtime/conformance/check.ts';
export type { Runtimes, RuntimeInfo, RuntimeEditResult } from './runtime/runtimes.ts';
export type { RuntimeProfile, RuntimeKind } from './runtime/profiles.ts';
export type { DefaultRuntimeSetting } from './runtime/registration.ts';
export type { SystemInfo, OciRuntimeInfo } from './info.ts';
export type { DetachKeysSetting } from './config/detach-keys.ts';
export { prepareUserNamespace, type UserNamespaceEntry } from './rootless/enter.ts';
/** Internal: the CLI's start-up snapshot build runs it (engine/snapshot-warm-up.ts); no use to a program. */
export { warmUpEngine, warmUpProcesses, withWarmUpStore } from './snapshot-warm-up.ts';
