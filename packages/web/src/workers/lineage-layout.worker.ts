/// <reference lib="webworker" />
/**
 * The lineage layout worker. ELK's own worker code: loaded in a worker scope it answers the messages of ELK's API
 * (elk-api.js, used by features/artifacts/lineage/layout.ts), so the layered layout runs off the main thread.
 * (elk.bundled.js cannot be used here: in a worker scope it becomes this dispatcher and has no in-process ELK.)
 */
import 'elkjs/lib/elk-worker.min.js';
