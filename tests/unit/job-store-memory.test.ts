import { memoryJobStore } from "../../shared/store/memory-job-store.ts";
import { jobStoreContract } from "../contract/job-store-contract.ts";

jobStoreContract("in memory", async () => memoryJobStore());
