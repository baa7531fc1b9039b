// Every integration suite, bundled into dist/test/all-tests.js and required after mocha's pre-require.
import './contributions.test';
import './manifest.test';
import './cloudTree.test';
import './localTree.test';
import './tail.test';
import './language.test';
import './notebook.test';
import './schema.test';
import './schemaDrift.test';
import './eventstream.test';
import './deploy.test';
import './ingestFunction.test';
import './secretMigration.test';
import './alerts.test';
import './dashboards.test';
import './alertsFabric.test';
