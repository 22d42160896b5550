export { TemplateError } from './template-error.js';
export { assertValidName, nameForms, type NameForms } from './project-name.js';
export { listProjectFiles } from './project-files.js';
export {
  createRenamer,
  currentProjectName,
  renameProject,
  type RenameResult,
} from './rename-project.js';
export { scaffoldService, type ScaffoldResult } from './scaffold-service.js';
