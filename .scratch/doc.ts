import { openApiDocument } from "../shared/http/openapi.ts";
import { Validator } from "@seriousme/openapi-schema-validator";
const doc = openApiDocument();
const v = new Validator();
const r = await v.validate(doc as object);
console.log(JSON.stringify(r).slice(0, 2000), v.version, JSON.stringify(doc).length);
