#!/usr/bin/env node
import { main } from '../cli/legacy-tool.js';
import { start } from '../cli/run.js';

start('dual-root-tool', main);
