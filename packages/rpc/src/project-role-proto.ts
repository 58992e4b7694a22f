import { ProjectRole as ProtoProjectRole } from "@syncline/gen/syncline/identity/v1/resources_pb.js";
import type { ProjectRole } from "./principal.ts";

const toProto: Record<ProjectRole, ProtoProjectRole> = {
  viewer: ProtoProjectRole.VIEWER,
  developer: ProtoProjectRole.DEVELOPER,
  admin: ProtoProjectRole.ADMIN,
};

/** The proto enum value of a project role. */
export function projectRoleToProto(role: ProjectRole): ProtoProjectRole {
  return toProto[role];
}

/** The project role of a proto enum value; undefined for UNSPECIFIED or an unknown value. */
export function projectRoleFromProto(role: ProtoProjectRole): ProjectRole | undefined {
  return (Object.keys(toProto) as ProjectRole[]).find((name) => toProto[name] === role);
}
