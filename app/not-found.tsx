import Link from 'next/link';
import { CenteredCard } from './_components/centered-card';

export default function NotFound() {
  return (
    <CenteredCard title="Not found" intro="This page does not exist, or you do not have access to it.">
      <Link href="/projects" className="text-brand-700 underline">
        Go to your projects
      </Link>
    </CenteredCard>
  );
}
