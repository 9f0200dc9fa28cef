import { Button, Card, Empty } from '../components/ui';
import { useDocumentTitle } from '../hooks';
import { navigate, useLocation } from '../router';

export function NotFoundPage() {
    const loc = useLocation();
    useDocumentTitle('Not found');
    return (
        <div class="page" data-testid="not-found">
            <Card>
                <Empty icon={<span class="empty-code">404</span>} title="Page not found">
                    <p>
                        Nothing lives at <code class="inline-code">{loc.path}</code>. It may have been a topic or group that no longer exists.
                    </p>
                    <div class="empty-actions">
                        <Button variant="primary" onClick={() => navigate('/')}>
                            Go to the overview
                        </Button>
                        <Button onClick={() => navigate('/topics')}>Browse topics</Button>
                    </div>
                </Empty>
            </Card>
        </div>
    );
}
