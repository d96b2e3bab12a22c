import { redirect } from 'next/navigation';

export default function WorkspaceHome() {
  redirect('/projects');
}
