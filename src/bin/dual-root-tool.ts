#!/usr/bin/env node
import { legacyToolParser, main } from '../cli/legacy-tool.js';
import { start } from '../cli/run.js';

start('dual-root-tool', main, legacyToolParser);
