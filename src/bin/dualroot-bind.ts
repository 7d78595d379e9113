#!/usr/bin/env node
import { bindParser, main } from '../cli/bind.js';
import { start } from '../cli/run.js';

start('dualroot-bind', main, bindParser);
