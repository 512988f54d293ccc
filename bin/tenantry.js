#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so the package ships its sources as they are.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
